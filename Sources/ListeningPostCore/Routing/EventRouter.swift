import ListeningPostKit
import Synchronization

/// The live routing state every channel's sink shares: the rules, the case rules and the
/// customer directory. A config reload swaps the rules, a directory reload the directory,
/// each whole: one batch is routed with one snapshot, so no event sees half of an old
/// config and half of a new one.
public final class EventRouter: Sendable {
    /// The rules and case rules one batch is routed with.
    public struct Rules: Sendable {
        /// Segments, routes, fallback.
        public var routing: RoutingRules
        /// Case rules: which routed messages may open or join a case.
        public var cases: CaseSettings
    }

    private let currentRules: Mutex<Rules>
    private let current: Mutex<CustomerDirectory>
    private let prompts: Mutex<SurveyPrompts>

    /// Creates a router.
    /// - Parameter promptWindow: how long a survey prompt stays open for a reply.
    public init(
        rules: RoutingRules = .none,
        directory: CustomerDirectory = .empty,
        promptWindow: Duration = .seconds(7 * 86_400),
        cases: CaseSettings = CaseSettings()
    ) {
        self.currentRules = Mutex(Rules(routing: rules, cases: cases))
        self.current = Mutex(directory)
        self.prompts = Mutex(SurveyPrompts(window: Double(promptWindow.components.seconds)))
    }

    /// Segments, routes, fallback, as now in force.
    public var rules: RoutingRules { currentRules.withLock { $0.routing } }
    /// The case rules now in force.
    public var cases: CaseSettings { currentRules.withLock { $0.cases } }

    /// Replaces the rules; batches routed after this use the new ones.
    public func replace(rules: RoutingRules, cases: CaseSettings) {
        currentRules.withLock { $0 = Rules(routing: rules, cases: cases) }
    }

    /// Remembers a committed survey prompt; replies routed after this can answer it.
    public func record(_ prompt: SurveyPrompt) {
        prompts.withLock { $0.record(prompt) }
    }

    /// The directory in use.
    public var directory: CustomerDirectory { current.withLock { $0 } }

    /// Replaces the directory; events routed after this see the new one.
    public func replace(directory: CustomerDirectory) {
        current.withLock { $0 = directory }
    }

    /// Enriches and routes events with the current directory, read once for the batch.
    public func route(_ events: [MessageEvent]) -> [RoutedEvent] {
        route(events, with: currentRules.withLock { $0 })
    }

    /// Routes a batch and returns the rules it used, so the case signals taken from it
    /// come from the same config even if a reload lands meanwhile.
    public func routeWithRules(_ events: [MessageEvent]) -> (routed: [RoutedEvent], rules: Rules) {
        let rules = currentRules.withLock { $0 }
        return (route(events, with: rules), rules)
    }

    private func route(_ events: [MessageEvent], with rules: Rules) -> [RoutedEvent] {
        let directory = self.directory
        let prompts = self.prompts.withLock { $0 }
        return events.map { rules.routing.apply(to: $0, directory: directory, prompts: prompts) }
    }
}
