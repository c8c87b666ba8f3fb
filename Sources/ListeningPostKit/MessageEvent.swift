import Foundation

/// The event the gateway stores and delivers: a CloudEvents 1.0 event in JSON structured
/// mode whose `data` is the normalised message. Documented field by field in
/// `docs/event-model.md`.
///
/// Routing facts are repeated as lowercase extension attributes (`channel`, `channelkind`,
/// `segment`) so brokers can filter without reading `data`.
public struct MessageEvent: Sendable, Hashable, Codable {
    /// CloudEvents `specversion`.
    public static let specVersion = "1.0"
    /// CloudEvents `type` of a received message. The trailing version changes only with
    /// an incompatible change to `data`.
    public static let messageReceivedType = "com.listeningpost.message.received.v1"

    /// Time-ordered unique id (UUIDv7); also the idempotency key for subscribers.
    public var id: String
    /// `/channels/<channel id>`.
    public var source: String
    /// Versioned event type, ``messageReceivedType`` for messages.
    public var type: String
    /// When the gateway received the message.
    public var time: Date
    /// The conversation id, where there is one, so brokers can group by thread.
    public var subject: String?
    /// Extension: the channel id.
    public var channel: String
    /// Extension: the channel's adapter kind (`webhook`, `imap`, …).
    public var channelKind: String
    /// Extension: the customer segment, once enrichment has run.
    public var segment: String?
    /// The normalised message.
    public var data: MessageEventData

    /// Wraps a message received on a channel.
    public init(id: String, channel: ChannelIdentity, message: InboundMessage, receivedAt: Date) {
        self.id = id
        self.source = "/channels/\(channel.id)"
        self.type = Self.messageReceivedType
        self.time = receivedAt
        self.subject = message.conversationId
        self.channel = channel.id
        self.channelKind = channel.kind
        self.segment = nil
        self.data = MessageEventData(channel: channel, message: message, receivedAt: receivedAt)
    }

    enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, time, subject, datacontenttype
        case channel
        case channelKind = "channelkind"
        case segment, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(String.self, forKey: .specversion)
        guard version == Self.specVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .specversion,
                in: container,
                debugDescription: "unsupported specversion \(version)"
            )
        }
        id = try container.decode(String.self, forKey: .id)
        source = try container.decode(String.self, forKey: .source)
        type = try container.decode(String.self, forKey: .type)
        time = try RFC3339.decode(container.decode(String.self, forKey: .time), codingPath: decoder.codingPath)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        channel = try container.decode(String.self, forKey: .channel)
        channelKind = try container.decode(String.self, forKey: .channelKind)
        segment = try container.decodeIfPresent(String.self, forKey: .segment)
        data = try container.decode(MessageEventData.self, forKey: .data)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.specVersion, forKey: .specversion)
        try container.encode(id, forKey: .id)
        try container.encode(source, forKey: .source)
        try container.encode(type, forKey: .type)
        try container.encode(RFC3339.string(from: time), forKey: .time)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encode("application/json", forKey: .datacontenttype)
        try container.encode(channel, forKey: .channel)
        try container.encode(channelKind, forKey: .channelKind)
        try container.encodeIfPresent(segment, forKey: .segment)
        try container.encode(data, forKey: .data)
    }

    /// Decodes the stored or delivered form.
    public static func decode(_ bytes: some Collection<UInt8>) throws -> MessageEvent {
        try JSONDecoder().decode(MessageEvent.self, from: Data(bytes))
    }

}

/// A channel's id and adapter kind.
public struct ChannelIdentity: Sendable, Hashable, Codable {
    /// The operator's id from `channels.yaml`.
    public var id: String
    /// The adapter kind (`webhook`, `imap`, …).
    public var kind: String
    /// Creates an identity.
    public init(id: String, kind: String) {
        self.id = id
        self.kind = kind
    }
}

/// `data` of a ``MessageEvent``: the normalised message plus what the gateway added.
public struct MessageEventData: Sendable, Hashable, Codable {
    /// Where it came in.
    public var channel: ChannelIdentity
    /// Who wrote it.
    public var author: Author
    /// Thread id, as the source names it.
    public var conversationId: String?
    /// Subject line.
    public var subject: String?
    /// Plain text.
    public var text: String
    /// Attachment metadata.
    public var attachments: [Attachment]
    /// When the customer sent it, per the source.
    public var occurredAt: Date?
    /// When the gateway received it.
    public var receivedAt: Date
    /// The source's identity for the message; unique per channel.
    public var dedupKey: String
    /// Sorted flags such as `auto_reply`.
    public var flags: [MessageFlag]
    /// Provider specifics.
    public var metadata: [String: JSONValue]
    /// Enrichment: who the customer is. Filled by the customer directory.
    public var customer: CustomerReference?
    /// Enrichment: the customer's segment.
    public var segment: String?
    /// Enrichment: the channel id to answer on.
    public var preferredChannel: String?
    /// Enrichment: a feedback score found in the message (NPS and the like).
    public var feedback: Feedback?
    /// Enrichment: how soon the customer should be answered, from their segment.
    public var responseTarget: ResponseTarget?
    /// Enrichment: the configured themes the subject and text mention (`themes:`), by name;
    /// empty when none do or none are configured, and then not written.
    public var themes: [ThemeMention] = []

    init(channel: ChannelIdentity, message: InboundMessage, receivedAt: Date) {
        self.channel = channel
        self.author = message.author
        self.conversationId = message.conversationId
        self.subject = message.subject
        self.text = message.text
        self.attachments = message.attachments
        self.occurredAt = message.occurredAt
        self.receivedAt = receivedAt
        self.dedupKey = message.dedupKey
        self.flags = message.flags.sorted()
        self.metadata = message.metadata
        self.feedback = message.feedback
    }

    enum CodingKeys: String, CodingKey {
        case channel, author, conversationId, subject, text, attachments, occurredAt, receivedAt, dedupKey, flags,
            metadata, customer, segment, preferredChannel, feedback, responseTarget, themes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channel = try container.decode(ChannelIdentity.self, forKey: .channel)
        author = try container.decode(Author.self, forKey: .author)
        conversationId = try container.decodeIfPresent(String.self, forKey: .conversationId)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        text = try container.decode(String.self, forKey: .text)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments) ?? []
        occurredAt = try container.decodeIfPresent(String.self, forKey: .occurredAt).map {
            try RFC3339.decode($0, codingPath: decoder.codingPath)
        }
        receivedAt = try RFC3339.decode(container.decode(String.self, forKey: .receivedAt), codingPath: decoder.codingPath)
        dedupKey = try container.decode(String.self, forKey: .dedupKey)
        flags = try container.decodeIfPresent([MessageFlag].self, forKey: .flags) ?? []
        metadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        customer = try container.decodeIfPresent(CustomerReference.self, forKey: .customer)
        segment = try container.decodeIfPresent(String.self, forKey: .segment)
        preferredChannel = try container.decodeIfPresent(String.self, forKey: .preferredChannel)
        feedback = try container.decodeIfPresent(Feedback.self, forKey: .feedback)
        responseTarget = try container.decodeIfPresent(ResponseTarget.self, forKey: .responseTarget)
        themes = try container.decodeIfPresent([ThemeMention].self, forKey: .themes) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(author, forKey: .author)
        try container.encodeIfPresent(conversationId, forKey: .conversationId)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encode(text, forKey: .text)
        try container.encode(attachments, forKey: .attachments)
        try container.encodeIfPresent(occurredAt.map(RFC3339.string(from:)), forKey: .occurredAt)
        try container.encode(RFC3339.string(from: receivedAt), forKey: .receivedAt)
        try container.encode(dedupKey, forKey: .dedupKey)
        try container.encode(flags, forKey: .flags)
        try container.encode(metadata, forKey: .metadata)
        try container.encodeIfPresent(customer, forKey: .customer)
        try container.encodeIfPresent(segment, forKey: .segment)
        try container.encodeIfPresent(preferredChannel, forKey: .preferredChannel)
        try container.encodeIfPresent(feedback, forKey: .feedback)
        try container.encodeIfPresent(responseTarget, forKey: .responseTarget)
        if !themes.isEmpty { try container.encode(themes, forKey: .themes) }
    }
}

/// Enrichment: the customer a message was attributed to.
public struct CustomerReference: Sendable, Hashable, Codable {
    /// Directory id, or a provisional id derived from the sender's identity.
    public var id: String
    /// True when the id is provisional (the sender is not in the directory yet).
    public var provisional: Bool
    /// Creates a reference.
    public init(id: String, provisional: Bool) {
        self.id = id
        self.provisional = provisional
    }
}

/// Enrichment: the segment's response-time standard applied to one message.
public struct ResponseTarget: Sendable, Hashable, Codable {
    /// The standard, in seconds (a segment's `response_target: 3h` is 10800).
    public var seconds: Int
    /// When the answer is due: when the customer sent the message (or, if the source does
    /// not say, when it was received) plus the standard.
    public var due: Date

    /// Creates a target.
    public init(seconds: Int, due: Date) {
        self.seconds = seconds
        self.due = due
    }

    enum CodingKeys: String, CodingKey { case seconds, due }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seconds = try container.decode(Int.self, forKey: .seconds)
        due = try RFC3339.decode(container.decode(String.self, forKey: .due), codingPath: decoder.codingPath)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(RFC3339.string(from: due), forKey: .due)
    }
}
