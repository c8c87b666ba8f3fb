import Foundation
import ListeningPostCore
import ListeningPostKit

/// A case as its events have made it: one row of the case table. ``apply(_:offset:)`` is
/// the fold, used alike when the projection replays the log and when the planner looks
/// ahead inside a batch, so the two can never disagree.
public struct CaseRecord: Sendable, Equatable {
    /// Where a case is in its life.
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Being worked: its targets run.
        case open
        /// Resolved, waiting for the customer to say whether they got what they needed.
        case resolved
        /// Done: confirmed by the customer, or closed unconfirmed after the wait.
        case closed
    }

    /// A target's due time in the current cycle.
    public struct Target: Sendable, Equatable {
        /// `first_response` or `resolution`.
        public var name: String
        /// The standard, in seconds of open time.
        public var seconds: Int
        /// When it is due (its calendar applied).
        public var due: Date
    }

    public var subject: CaseSubject
    public var state: State = .open
    public var openedAt: Date
    /// The event id of the message that opened it.
    public var openingMessage: String
    /// The opening message's NPS score, when it had one.
    public var openingScore: Int?
    /// Where to answer the customer.
    public var preferredChannel: String
    /// The customer's address on the channel they wrote on, to answer there.
    public var replyTo: [String: JSONValue]
    public var calendar: String
    /// The opening message's thread on its channel, to answer in it.
    public var thread: ThreadReference?
    public var owner: String?
    /// Targets of the current cycle that are not met yet, by name.
    public var targets: [String: Target] = [:]
    /// When the first response of the current cycle was recorded.
    public var respondedAt: Date?
    /// The first response of the first cycle, and whether it met its target: the loop metrics.
    public var firstResponseAt: Date?
    public var firstResponseWithinTarget: Bool?
    public var resolvedAt: Date?
    public var rootCause: String?
    public var resolution: String?
    /// When an unanswered confirmation question closes the case as unconfirmed.
    public var confirmationExpiresAt: Date?
    public var closedAt: Date?
    /// `confirmed` or `unconfirmed`.
    public var outcome: String?
    /// Warnings and breaches recorded, as `<kind>:<target>:<cycle>`.
    public var alerts: Set<String> = []
    /// The customer's next score after the opening one.
    public var recoveryScore: Int?
    /// Offsets of the case's events on the `cases` stream, oldest first: the timeline.
    public var timeline: [Int64] = []
    /// When the last change was.
    public var updatedAt: Date
    /// When the current cycle began, after a reopening.
    public var cycleStartedAt: Date?

    /// A case from its `opened` event; `nil` for any other event.
    public init?(opened event: CaseEvent) {
        guard event.kind == .opened, let message = event.details["message"]?.stringValue else { return nil }
        subject = event.subject
        openedAt = event.details["openedAt"]?.dateValue ?? event.time
        openingMessage = message
        openingScore = event.details["score"]?.intValue
        preferredChannel = event.details["preferredChannel"]?.stringValue ?? event.subject.channel
        replyTo = event.details["replyTo"]?.objectValue ?? [:]
        calendar = event.details["calendar"]?.stringValue ?? BusinessCalendar.alwaysOpen.name
        thread = ThreadReference(json: event.details["thread"])
        updatedAt = event.time
        targets = Self.targets(event.details["targets"])
    }

    /// Whether any breach was recorded in the current cycle.
    public var breached: Bool { alerts.contains { $0.hasPrefix("breach:") && $0.hasSuffix(":\(subject.cycle)") } }

    /// Folds one later event of this case in.
    public mutating func apply(_ event: CaseEvent, offset: Int64?) {
        if let offset { timeline.append(offset) }
        updatedAt = max(updatedAt, event.time)
        let details = event.details
        switch event.kind {
        case .assigned:
            owner = details["owner"]?.stringValue
        case .responded:
            let at = details["at"]?.dateValue ?? event.time
            if respondedAt == nil { respondedAt = at }
            if firstResponseAt == nil {
                firstResponseAt = at
                firstResponseWithinTarget = targets["first_response"].map { at <= $0.due }
            }
            targets["first_response"] = nil
        case .slaWarning, .slaBreached:
            if let target = details["target"]?.stringValue {
                alerts.insert("\(event.kind == .slaWarning ? "warning" : "breach"):\(target):\(event.subject.cycle)")
            }
        case .resolved:
            guard state == .open else { break }
            state = .resolved
            resolvedAt = event.time
            rootCause = details["rootCause"]?.stringValue
            resolution = details["resolution"]?.stringValue
            // Resolution stops every clock of the cycle (a helpdesk that keeps counting after
            // it reports breaches nobody can act on).
            targets = [:]
            if firstResponseAt == nil {
                firstResponseAt = event.time
                firstResponseWithinTarget = false
            }
        case .confirmationRequested:
            confirmationExpiresAt = details["expiresAt"]?.dateValue
        case .reopened:
            guard state != .closed else { break }
            state = .open
            subject.cycle = event.subject.cycle
            cycleStartedAt = event.time
            targets = Self.targets(details["targets"])
            respondedAt = nil
            resolvedAt = nil
            confirmationExpiresAt = nil
        case .closed:
            guard state != .closed else { break }
            state = .closed
            closedAt = event.time
            outcome = details["outcome"]?.stringValue
            targets = [:]
            confirmationExpiresAt = nil
        case .rescored:
            if recoveryScore == nil { recoveryScore = details["score"]?.intValue }
        default:
            break
        }
    }

    static func targets(_ json: JSONValue?) -> [String: Target] {
        var result: [String: Target] = [:]
        for (name, value) in json?.objectValue ?? [:] {
            guard let object = value.objectValue, let seconds = object["seconds"]?.intValue, let due = object["due"]?.dateValue else { continue }
            result[name] = Target(name: name, seconds: seconds, due: due)
        }
        return result
    }

    static func targetsJSON(_ targets: [Target]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: targets.map { ($0.name, ["seconds": .number(Double($0.seconds)), "due": .time($0.due)]) }))
    }
}
