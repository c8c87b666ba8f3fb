import Foundation
import ListeningPostKit

/// One entry of `cases.rules`: which messages open a case, and its standards.
public struct CaseRule: Sendable {
    /// The rule's name, on every event of its cases.
    public var name: String
    /// Which messages open a case (the routes' condition language).
    public var condition: Condition
    /// First-response standard; the segment's `response_target` when `nil`.
    public var firstResponse: Duration?
    /// Resolution standard; the segment's `resolution_target` when `nil`.
    public var resolution: Duration?
    /// The calendar the standards count in; the segment's, else `24x7`, when `nil`.
    public var calendar: String?

    /// Creates a rule.
    public init(name: String, condition: Condition, firstResponse: Duration? = nil, resolution: Duration? = nil, calendar: String? = nil) {
        self.name = name
        self.condition = condition
        self.firstResponse = firstResponse
        self.resolution = resolution
        self.calendar = calendar
    }
}

/// `cases:` and `calendars:`: when cases open, the standards they are held to, and how the
/// loop closes.
public struct CaseSettings: Sendable {
    /// Rules in file order; every rule that matches a message opens (or joins) its case.
    public var rules: [CaseRule] = []
    /// Calendars by name, `24x7` included.
    public var calendars: [String: BusinessCalendar] = [BusinessCalendar.alwaysOpen.name: .alwaysOpen]
    /// Per segment name: its standards and calendar, the defaults of every rule.
    public var segments: [String: Segment] = [:]
    /// How long before a due time `sla_warning` comes; `nil`: no warnings.
    public var warningBefore: Duration?
    /// What resolving a case asks the customer, as written.
    public var confirmationQuestion = "Did you get what you needed? Reply YES or NO."
    /// The same, compiled; rendered for each case.
    public var confirmationTemplate: MessageTemplate?
    /// How long the question waits for an answer before the case closes `unconfirmed`.
    public var confirmationTimeout: Duration = .seconds(7 * 86_400)

    /// Creates settings.
    public init() {}

    /// Whether any case rule exists: without one, ingest does no case work at all.
    public var isEnabled: Bool { !rules.isEmpty }

    /// The calendar a rule's case counts in, for a message in `segment`.
    public func calendar(for rule: CaseRule, segment: String) -> BusinessCalendar {
        let name = rule.calendar ?? segments[segment]?.calendar ?? BusinessCalendar.alwaysOpen.name
        return calendars[name] ?? .alwaysOpen
    }

    /// The standards of a rule's case for a message in `segment`, in seconds.
    public func targets(for rule: CaseRule, segment: String) -> [(name: String, seconds: Int)] {
        let segmentDefaults = segments[segment]
        var targets: [(name: String, seconds: Int)] = []
        if let first = rule.firstResponse ?? segmentDefaults?.responseTarget { targets.append(("first_response", Int(first.components.seconds))) }
        if let resolution = rule.resolution ?? segmentDefaults?.resolutionTarget {
            targets.append(("resolution", Int(resolution.components.seconds)))
        }
        return targets
    }
}
