import Foundation

/// One message as an adapter hands it to the gateway: what the customer said, who said it,
/// and where it belongs. The gateway wraps it in a ``MessageEvent`` (CloudEvents 1.0).
///
/// ```swift
/// var message = InboundMessage(dedupKey: sid, text: body)
/// message.author.phone = "+14155550100"
/// message.metadata = ["twilio": ["accountSid": .string(accountSid)]]
/// ```
public struct InboundMessage: Sendable, Hashable, Codable {
    /// The source's own identity for this message (Message-ID, MessageSid, webhook-id, …).
    /// The log stores at most one event per (channel, dedupKey).
    public var dedupKey: String
    /// Who wrote it.
    public var author: Author
    /// The thread this message belongs to, as the source names it.
    public var conversationId: String?
    /// A subject line, where the source has one.
    public var subject: String?
    /// The message as plain text.
    public var text: String
    /// Files that came with it, described but not embedded.
    public var attachments: [Attachment]
    /// When the customer sent it, as the source says; `nil` when the source does not say.
    public var occurredAt: Date?
    /// Marks such as ``MessageFlag/autoReply`` or ``MessageFlag/unparseable``.
    public var flags: Set<MessageFlag>
    /// Provider specifics. Never promoted to top-level event fields.
    public var metadata: [String: JSONValue]
    /// A score the customer gave in this message (an NPS answer), where the source has one.
    public var feedback: Feedback?

    /// Creates a message; everything but the dedup key and text is optional.
    public init(
        dedupKey: String,
        author: Author = Author(),
        conversationId: String? = nil,
        subject: String? = nil,
        text: String,
        attachments: [Attachment] = [],
        occurredAt: Date? = nil,
        flags: Set<MessageFlag> = [],
        metadata: [String: JSONValue] = [:],
        feedback: Feedback? = nil
    ) {
        self.dedupKey = dedupKey
        self.author = author
        self.conversationId = conversationId
        self.subject = subject
        self.text = text
        self.attachments = attachments
        self.occurredAt = occurredAt
        self.flags = flags
        self.metadata = metadata
        self.feedback = feedback
    }

    /// As synthesized, but with `flags` sorted: a set has no order, and JSON of the same
    /// message should not differ between runs (golden files, logs).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dedupKey, forKey: .dedupKey)
        try container.encode(author, forKey: .author)
        try container.encodeIfPresent(conversationId, forKey: .conversationId)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encode(text, forKey: .text)
        try container.encode(attachments, forKey: .attachments)
        try container.encodeIfPresent(occurredAt, forKey: .occurredAt)
        try container.encode(flags.sorted(), forKey: .flags)
        try container.encode(metadata, forKey: .metadata)
        try container.encodeIfPresent(feedback, forKey: .feedback)
    }
}

/// The person behind a message, with every identity the source revealed.
public struct Author: Sendable, Hashable, Codable {
    /// Email address, as given.
    public var email: String?
    /// Phone number in E.164 (`+14155550100`) where it could be normalised.
    public var phone: String?
    /// Forum or chat handle.
    public var handle: String?
    /// Display name.
    public var name: String?
    /// The source's own id for this person.
    public var id: String?

    /// Creates an author; every identity is optional.
    public init(email: String? = nil, phone: String? = nil, handle: String? = nil, name: String? = nil, id: String? = nil) {
        self.email = email
        self.phone = phone
        self.handle = handle
        self.name = name
        self.id = id
    }

    /// True when no identity at all is known.
    public var isAnonymous: Bool { email == nil && phone == nil && handle == nil && id == nil }
}

/// A file that came with a message: described, not embedded.
public struct Attachment: Sendable, Hashable, Codable {
    /// File name, if the source gave one.
    public var name: String?
    /// Media type such as `image/jpeg`.
    public var mediaType: String
    /// Size in bytes, when known.
    public var size: Int?
    /// Lowercase hex SHA-256 of the content, when the gateway saw the bytes.
    public var sha256: String?
    /// Where the content can be fetched, when it stays with the provider.
    public var url: String?
    /// For an attached mail (`message/rfc822`: a forward, a digest entry), who sent it,
    /// when, and under what subject.
    public var message: AttachedMessage?

    /// Creates attachment metadata.
    public init(name: String? = nil, mediaType: String, size: Int? = nil, sha256: String? = nil, url: String? = nil, message: AttachedMessage? = nil)
    {
        self.name = name
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.url = url
        self.message = message
    }
}

/// A mail carried inside another, described by its own header fields.
public struct AttachedMessage: Sendable, Hashable, Codable {
    /// The sender's address.
    public var from: String?
    /// The subject, decoded.
    public var subject: String?
    /// When it was sent, per its `Date` field.
    public var date: Date?
    /// Its Message-ID, without angle brackets.
    public var messageId: String?

    /// Creates a description; every field is optional.
    public init(from: String? = nil, subject: String? = nil, date: Date? = nil, messageId: String? = nil) {
        self.from = from
        self.subject = subject
        self.date = date
        self.messageId = messageId
    }

    enum CodingKeys: String, CodingKey { case from, subject, date, messageId }

    // The date is RFC 3339 text, as everywhere in the event.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        date = try container.decodeIfPresent(String.self, forKey: .date).map { try RFC3339.decode($0, codingPath: decoder.codingPath) }
        messageId = try container.decodeIfPresent(String.self, forKey: .messageId)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(from, forKey: .from)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(date.map(RFC3339.string(from:)), forKey: .date)
        try container.encodeIfPresent(messageId, forKey: .messageId)
    }
}

/// A mark on a message. A struct with static members rather than an enum, so adapters
/// can add their own and new built-in ones never break a `switch`.
public struct MessageFlag: RawRepresentable, Sendable, Hashable, Codable, Comparable, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    /// Flags sort by name, so events list them in a stable order.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// An automatic reply (out-of-office, `Auto-Submitted`, bulk mail).
    public static let autoReply: MessageFlag = "auto_reply"
    /// The source message could not be parsed; the event carries what could be recovered.
    public static let unparseable: MessageFlag = "unparseable"
    /// A phone number could not be normalised to E.164; the raw value is in metadata.
    public static let invalidPhone: MessageFlag = "invalid_phone"
    /// Several parts were expected and some never arrived.
    public static let incomplete: MessageFlag = "incomplete"
    /// An edit of an earlier message; metadata names the original.
    public static let edited: MessageFlag = "edited"
    /// The source message was larger than the channel allows; only part of it (for mail,
    /// its headers) was read.
    public static let truncated: MessageFlag = "truncated"
}
