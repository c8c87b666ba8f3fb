import ListeningPostKit
import Synchronization

/// The live routing state every channel's sink shares: the rules, fixed for the process,
/// and the customer directory, which a reload swaps whole (so one event never sees half
/// of an old directory and half of a new one).
public final class EventRouter: Sendable {
    /// Segments, routes, fallback.
    public let rules: RoutingRules
    /// Case rules: which routed messages may open or join a case.
    public let cases: CaseSettings
    private let current: Mutex<CustomerDirectory>
    private let prompts: Mutex<SurveyPrompts>

    /// Creates a router.
    /// - Parameter promptWindow: how long a survey prompt stays open for a reply.
    public init(rules: RoutingRules = .none, directory: CustomerDirectory = .empty, promptWindow: Duration = .seconds(7 * 86_400), cases: CaseSettings = CaseSettings()) {
        self.rules = rules
        self.cases = cases
        self.current = Mutex(directory)
        self.prompts = Mutex(SurveyPrompts(window: Double(promptWindow.components.seconds)))
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
        let directory = self.directory
        let prompts = self.prompts.withLock { $0 }
        return events.map { rules.apply(to: $0, directory: directory, prompts: prompts) }
    }
}
