import Foundation
import ListeningPostKit

/// One stored NPS answer, as the NPS projection keeps it: what it is, whose, and where it
/// belongs. Taken from a stored event with ``init(event:)``.
public struct NPSAnswer: Sendable, Hashable {
    /// The event that carried it.
    public var eventId: String
    /// Whose answer: the customer id (directory or provisional), else the channel's dedup
    /// key, so an anonymous answer still counts once.
    public var respondent: String
    /// The survey or campaign; answers without one share the survey `""`.
    public var survey: String
    /// The customer's segment.
    public var segment: String
    /// The channel it came in on.
    public var channel: String
    /// When it was given (the source's time, else when it was received).
    public var answeredAt: Date
    /// 0–10.
    public var score: Int
    /// The event id of an earlier answer this one replaces.
    public var supersedes: String?
    /// The themes its words mention (not negated), by name: what key drivers count.
    public var themes: [String]
    /// The answer to "what is the main reason for your score?": what suggestions read.
    public var reason: String?

    /// Creates an answer.
    public init(
        eventId: String,
        respondent: String,
        survey: String,
        segment: String,
        channel: String,
        answeredAt: Date,
        score: Int,
        supersedes: String? = nil,
        themes: [String] = [],
        reason: String? = nil
    ) {
        self.eventId = eventId
        self.respondent = respondent
        self.survey = survey
        self.segment = segment
        self.channel = channel
        self.answeredAt = answeredAt
        self.score = score
        self.supersedes = supersedes
        self.themes = themes
        self.reason = reason
    }

    /// The answer an event carries; `nil` for an event without feedback.
    public init?(event: MessageEvent) {
        guard let feedback = event.data.feedback else { return nil }
        self.init(
            eventId: event.id,
            respondent: event.data.customer?.id ?? "\(event.data.channel.id):\(event.data.dedupKey)",
            survey: feedback.survey ?? "",
            segment: event.data.segment ?? "",
            channel: event.data.channel.id,
            answeredAt: event.data.occurredAt ?? event.data.receivedAt,
            score: feedback.score,
            supersedes: feedback.supersedes,
            themes: event.data.themes.filter { !$0.negated }.map(\.theme),
            reason: feedback.reason
        )
    }

    /// The answer in a stored event's JSON, read with the Kit's JSON reader rather than
    /// `Codable` (which took most of the projection's time); `nil` for an event without
    /// feedback, or one that is not a message. Gives what ``init(event:)`` gives.
    public init?(payload: [UInt8]) {
        guard case .object(let event)? = try? JSONValue.parse(payload), let id = event["id"]?.stringValue,
            case .object(let data)? = event["data"], case .object(let feedback)? = data["feedback"],
            case .number(let score)? = feedback["score"], let channel = data["channel"]?.objectValue?["id"]?.stringValue,
            let dedupKey = data["dedupKey"]?.stringValue,
            let answeredAt = (data["occurredAt"]?.stringValue ?? data["receivedAt"]?.stringValue).flatMap(RFC3339.date(from:))
        else { return nil }
        self.init(
            eventId: id,
            respondent: data["customer"]?.objectValue?["id"]?.stringValue ?? "\(channel):\(dedupKey)",
            survey: feedback["survey"]?.stringValue ?? "",
            segment: data["segment"]?.stringValue ?? "",
            channel: channel,
            answeredAt: answeredAt,
            score: Int(score),
            supersedes: feedback["supersedes"]?.stringValue,
            themes: data["themes"]?.arrayValue?.compactMap { mention in
                guard case .object(let mention) = mention, mention["negated"] != .bool(true) else { return nil }
                return mention["theme"]?.stringValue
            } ?? [],
            reason: feedback["reason"]?.stringValue
        )
    }

    /// The category of its score.
    public var category: NPSCategory { NPSCategory(score: score) }
}
