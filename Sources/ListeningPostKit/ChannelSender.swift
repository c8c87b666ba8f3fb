import HTTPTypes

/// A channel adapter that can also answer on its channel: an SMS gateway sends a text, a
/// mailbox sends mail, a forum posts a reply. An adapter that cannot send simply does not
/// conform.
///
/// The gateway's outbox calls ``send(_:)`` for one message at a time per recipient, after
/// the attempt is committed, and stores the outcome. So the adapter does no retrying of
/// its own: it sends once and says how that went, with ``SendFailure`` telling a failure
/// worth retrying (a timeout, a connection error, 429, 5xx, an SMTP 4xx) from one that is
/// not (a 4xx, an SMTP 5xx), in the provider's own words.
///
/// ```swift
/// extension SMSAdapter: ChannelSender {
///     public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
///         let response = try await post(message)       // the provider's API
///         return SendReceipt(providerId: response.sid)
///     }
/// }
/// ```
public protocol ChannelSender: Sendable {
    /// Whether the channel's config allows sending (a mailbox without SMTP settings, an SMS
    /// channel without API credentials cannot send). The outbox refuses to queue for a
    /// channel that cannot.
    var canSend: Bool { get }

    /// Sends one message once. Returns when the provider has accepted it.
    func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt
}

/// One message to send.
public struct OutboundMessage: Sendable, Equatable {
    /// The outbox id: stable across retries, so a provider (or a mail reader) can tell a
    /// resend; adapters derive their idempotency key or `Message-ID` from it.
    public var id: String
    /// Who it goes to, in the channel's terms (a phone number, an email address, a handle).
    public var to: Author
    /// The text.
    public var text: String
    /// A subject, where the channel has one (email).
    public var subject: String?
    /// The customer's message this answers, when there is one: threading for mail, the
    /// topic for a forum.
    public var inReplyTo: ThreadReference?

    /// Creates a message.
    public init(id: String, to: Author, text: String, subject: String? = nil, inReplyTo: ThreadReference? = nil) {
        self.id = id
        self.to = to
        self.text = text
        self.subject = subject
        self.inReplyTo = inReplyTo
    }
}

/// The customer's message a send answers, as the channel threads it.
public struct ThreadReference: Sendable, Equatable {
    /// The channel's conversation id (an email thread, a forum topic).
    public var conversationId: String?
    /// The message's own id on the channel (an email `Message-ID`, a forum post id).
    public var messageId: String?
    /// The message's subject, for `Re: …`.
    public var subject: String?
    /// Earlier ids of the thread, oldest first (email `References`).
    public var references: [String]

    /// Creates a reference.
    public init(conversationId: String? = nil, messageId: String? = nil, subject: String? = nil, references: [String] = []) {
        self.conversationId = conversationId
        self.messageId = messageId
        self.subject = subject
        self.references = references
    }
}

/// What the provider said when it accepted a message.
public struct SendReceipt: Sendable, Equatable {
    /// The provider's id for it (a Twilio `sid`, a Vonage `message-id`, an SMTP queue id).
    public var providerId: String

    /// Creates a receipt.
    public init(providerId: String) {
        self.providerId = providerId
    }
}

/// Why a send did not go through, and whether trying again may help.
public struct SendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether a retry may help. A struct with static members, so kinds can be added.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A timeout, a connection error, 429, 5xx, an SMTP 4xx: retried with backoff.
        public static let retryable = Kind(rawValue: "retryable")
        /// The provider refused this message (4xx, an SMTP 5xx): dead-lettered at once.
        public static let permanent = Kind(rawValue: "permanent")
    }

    /// Retryable or permanent.
    public var kind: Kind
    /// The provider's answer, or the local error, as an operator would read it.
    public var message: String
    /// How long the provider asked us to wait (`Retry-After`), if it said.
    public var retryAfter: Duration?

    /// Creates a failure.
    public init(_ kind: Kind, _ message: String, retryAfter: Duration? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

extension OutboundHTTPClient {
    /// Sends one request to a provider's API for ``ChannelSender/send(_:)``: a failure to
    /// reach it at all (connection, timeout) is retryable, in these words.
    public func sendToProvider(
        _ request: HTTPRequest,
        body: [UInt8],
        timeout: Duration,
        provider: String
    ) async throws(SendFailure) -> OutboundHTTPResponse {
        do {
            return try await send(request, body: body, timeout: timeout, maxResponseSize: 1 << 20)
        } catch {
            throw SendFailure(.retryable, "could not reach \(provider): \(error)")
        }
    }
}

extension SendFailure {
    /// A provider's `Retry-After` in seconds, when it gave one.
    public static func retryAfter(_ response: HTTPResponse) -> Duration? {
        response.headerFields[.retryAfter].flatMap { Int($0) }.map { .seconds($0) }
    }
}
