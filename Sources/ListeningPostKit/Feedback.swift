/// An answer to "How likely are you to recommend us, 0–10?" (Net Promoter Score), with the
/// answer to "What is the main reason for your score?" where the customer gave one.
///
/// Only a whole number 0–10 is a score, and the category is always computed from it:
/// 0–6 detractor, 7–8 passive, 9–10 promoter. A provider's own label is never trusted
/// (adapters keep it in `metadata`).
///
/// ```swift
/// message.feedback = Feedback(score: 9, reason: "Quick answer", survey: "relationship-2026q4")
/// ```
public struct Feedback: Sendable, Hashable, Codable {
    /// The score, 0–10.
    public let score: Int
    /// The answer to "what is the main reason for your score?".
    public var reason: String?
    /// The survey or campaign the answer belongs to. One answer per (customer, survey)
    /// counts towards NPS: the latest.
    public var survey: String?
    /// How the score was read.
    public var source: FeedbackSource
    /// The event id of an earlier answer this one corrects (a changed score, a comment added
    /// later).
    public var supersedes: String?

    /// `nil` unless `score` is 0–10.
    public init?(score: Int, reason: String? = nil, survey: String? = nil, source: FeedbackSource = .structured, supersedes: String? = nil) {
        guard (0...10).contains(score) else { return nil }
        self.score = score
        self.reason = reason
        self.survey = survey
        self.source = source
        self.supersedes = supersedes
    }

    /// A score from a number as a provider sends it: only a whole number 0–10 is one
    /// (`7.5`, `11`, `-1` are not).
    public init?(score number: Double, reason: String? = nil, survey: String? = nil, source: FeedbackSource = .structured, supersedes: String? = nil)
    {
        guard number.isFinite, number == number.rounded(), let whole = Int(exactly: number) else { return nil }
        self.init(score: whole, reason: reason, survey: survey, source: source, supersedes: supersedes)
    }

    /// An NPS answer with nothing else known. `nil` outside 0–10.
    public static func netPromoter(score: Int) -> Feedback? { Feedback(score: score) }

    /// `detractor` (0–6), `passive` (7–8) or `promoter` (9–10).
    public var category: NPSCategory { NPSCategory(score: score) }

    enum CodingKeys: String, CodingKey { case score, category, reason, survey, source, supersedes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let score = try container.decode(Int.self, forKey: .score)
        guard (0...10).contains(score) else {
            throw DecodingError.dataCorruptedError(
                forKey: .score,
                in: container,
                debugDescription: "an NPS score is a whole number 0–10, not \(score)"
            )
        }
        self.score = score
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        survey = try container.decodeIfPresent(String.self, forKey: .survey)
        // Events stored before `source` existed had only structured scores.
        source = try container.decodeIfPresent(FeedbackSource.self, forKey: .source) ?? .structured
        supersedes = try container.decodeIfPresent(String.self, forKey: .supersedes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(score, forKey: .score)
        try container.encode(category.rawValue, forKey: .category)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(survey, forKey: .survey)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(supersedes, forKey: .supersedes)
    }
}

/// Where in NPS an answer falls.
public enum NPSCategory: String, Sendable, Hashable, Codable, CaseIterable {
    /// 0–6.
    case detractor
    /// 7–8.
    case passive
    /// 9–10.
    case promoter

    /// The category of a score 0–10 (anything below 7 is a detractor, above 8 a promoter).
    public init(score: Int) {
        switch score {
        case ...6: self = .detractor
        case 7...8: self = .passive
        default: self = .promoter
        }
    }
}

/// How a score was read: from a survey tool's field or a link (``structured``), or from the
/// words of a reply (``reply``). A struct with static members so new sources never break a
/// `switch`.
public struct FeedbackSource: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// A survey tool's NPS field, a mapped webhook field, an exec line's `score`, a score link.
    public static let structured: FeedbackSource = "structured"
    /// A score read from the text of a reply to a survey prompt ("9 - great support").
    public static let reply: FeedbackSource = "reply"
    /// Keys pressed on a phone's keypad after a call's question (an IVR survey).
    public static let ivr: FeedbackSource = "ivr"
}
