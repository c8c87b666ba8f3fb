import Foundation
import ListeningPostCore
import ListeningPostKit

/// What the case planner needs of one routed message: who it is from, what it says, and
/// which case rules it matched. Taken at routing, where the conditions' facts are, and
/// handed to the log with the event, so that the decision (open, join, close on a yes)
/// is made inside the transaction that stores the message.
public struct CaseSignal: Sendable {
    /// The message's event id.
    public var eventId: String
    /// Who wrote it.
    public var customer: CustomerReference?
    /// The channel it came in on.
    public var channel: String
    /// Its segment.
    public var segment: String
    /// Where to answer the customer.
    public var preferredChannel: String
    /// When the customer wrote it (never later than it was received).
    public var at: Date
    /// Its NPS score, if it had one.
    public var score: Int?
    /// Its words, for a yes or no to a confirmation question (the first 2,000 characters).
    public var text: String
    /// Whether it is an automatic reply (an out-of-office is no answer).
    public var isAutoReply: Bool
    /// The author as the message names them: where an answer on that channel would go.
    public var author: Author
    /// The names of the case rules it matched. Names, not indexes: a config reload between
    /// routing and planning may reorder or remove rules, and the planner skips a name it no
    /// longer has.
    public var matchedRules: [String]
    /// Its thread on its channel (an email's Message-ID and References), to answer in it.
    public var thread: ThreadReference?
}

extension CaseSettings {
    /// The signal of a routed event, or `nil` when no case can follow from it: case rules
    /// off, or a message from nobody that matched no rule.
    public func signal(for routed: RoutedEvent) -> CaseSignal? {
        guard isEnabled else { return nil }
        let matched = rules.filter { $0.condition.matches(routed.facts) }.map(\.name)
        let data = routed.event.data
        guard !matched.isEmpty || data.customer != nil else { return nil }
        // Most texts are short: share the event's string rather than copy it.
        let text = data.text.utf8.count <= 2_000 ? data.text : String(data.text.prefix(2_000))
        return CaseSignal(
            eventId: routed.event.id,
            customer: data.customer,
            channel: data.channel.id,
            segment: data.segment ?? Segment.builtinDefault.name,
            preferredChannel: data.preferredChannel ?? data.channel.id,
            at: min(data.occurredAt ?? data.receivedAt, data.receivedAt).wholeMilliseconds,
            score: data.feedback?.score,
            text: text,
            isAutoReply: data.flags.contains(.autoReply),
            author: data.author,
            matchedRules: matched,
            thread: matched.isEmpty ? nil : ThreadReference(message: data)
        )
    }
}
