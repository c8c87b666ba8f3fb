import Foundation
import ListeningPostKit

/// A survey sent to a customer on a channel ("How likely are you to recommend us, 0–10?
/// Reply with a number"): for `nps.reply_window` after it, the customer's reply on that
/// channel is read for a score. Stored as a `com.listeningpost.survey.sent.v1` event on the
/// `surveys` stream; the prompts in force are a projection of those events.
public struct SurveyPrompt: Sendable, Hashable {
    /// The stream prompts are stored on (besides `all`).
    public static let stream = LoopStreams.surveys
    /// The CloudEvent type.
    public static let eventType = "com.listeningpost.survey.sent.v1"
    /// The log's channel name for prompts: not a channel of the config (ids cannot start with `_`).
    public static let logChannel = "_surveys"

    /// The event id.
    public var id: String
    /// Who was asked, as identity resolution names them (a directory or provisional id).
    public var customer: CustomerReference
    /// The channel id the survey went out on, where the reply is expected.
    public var channel: String
    /// The survey or campaign id the answer will carry.
    public var survey: String
    /// When it was sent.
    public var sentAt: Date
    /// The address it went to, as given.
    public var to: Author

    /// Creates a prompt.
    public init(id: String, customer: CustomerReference, channel: String, survey: String, sentAt: Date, to: Author) {
        self.id = id
        self.customer = customer
        self.channel = channel
        self.survey = survey
        self.sentAt = sentAt
        self.to = to
    }

    /// The CloudEvent JSON, keys sorted as the gateway writes every event.
    public func jsonBytes(receivedAt: Date) -> [UInt8] {
        GatewayEventEnvelope(
            id: id,
            source: "/surveys",
            type: Self.eventType,
            time: receivedAt,
            subject: customer.id,
            extensions: ["channel": .string(channel)],
            data: [
                "customer": ["id": .string(customer.id), "provisional": .bool(customer.provisional)],
                "channel": .string(channel), "survey": .string(survey), "sentAt": .time(sentAt), "to": .object(Self.identities(to)),
            ]
        ).jsonBytes()
    }

    /// A prompt read back from its event; `nil` for any other event.
    public init?(event bytes: [UInt8]) {
        guard let envelope = GatewayEventEnvelope(event: bytes, accepting: { $0 == Self.eventType }),
            case .object(let customer)? = envelope.data["customer"],
            let customerId = customer["id"]?.stringValue, let channel = envelope.data["channel"]?.stringValue,
            let survey = envelope.data["survey"]?.stringValue, let sentAt = envelope.data["sentAt"]?.dateValue
        else { return nil }
        let to = envelope.data["to"]?.objectValue ?? [:]
        self.init(
            id: envelope.id,
            customer: CustomerReference(id: customerId, provisional: customer["provisional"] == .bool(true)),
            channel: channel,
            survey: survey,
            sentAt: sentAt,
            to: Author(email: to["email"]?.stringValue, phone: to["phone"]?.stringValue, handle: to["handle"]?.stringValue)
        )
    }

    public static func identities(_ author: Author) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        if let email = author.email { object["email"] = .string(email) }
        if let phone = author.phone { object["phone"] = .string(phone) }
        if let handle = author.handle { object["handle"] = .string(handle) }
        return object
    }
}

/// The survey prompts in force: per customer and channel, the latest. A value, swapped
/// whole like the directory, so the events of one batch see one set of prompts.
public struct SurveyPrompts: Sendable {
    /// How long a prompt stays open.
    public var window: TimeInterval
    private var latest: [String: SurveyPrompt] = [:]

    /// No prompts.
    public init(window: TimeInterval = 7 * 86_400) {
        self.window = window
    }

    /// Remembers a prompt (a later one for the same customer and channel replaces it).
    public mutating func record(_ prompt: SurveyPrompt) {
        let key = Self.key(prompt.customer.id, prompt.channel)
        if let current = latest[key], current.sentAt > prompt.sentAt { return }
        latest[key] = prompt
    }

    /// The prompt a message from `customer` on `channel` at `time` answers, if one is open.
    public func open(customer: String, channel: String, at time: Date) -> SurveyPrompt? {
        guard let prompt = latest[Self.key(customer, channel)] else { return nil }
        let age = time.timeIntervalSince(prompt.sentAt)
        // A little slack before the send time: the clocks of a mailer and a phone differ.
        return age >= -300 && age <= window ? prompt : nil
    }

    /// Prompts remembered.
    public var count: Int { latest.count }

    private static func key(_ customer: String, _ channel: String) -> String { customer + "\u{0}" + channel }
}
