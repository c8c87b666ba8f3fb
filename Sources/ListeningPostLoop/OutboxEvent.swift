import Foundation
import ListeningPostCore
import ListeningPostKit

/// One change to an outgoing message, as stored: a `com.listeningpost.outbox.<kind>.v1`
/// CloudEvent on the `outbox` stream (and `all`). The outbox is a fold of these events, so
/// a send accepted (`queued`) survives any crash, and what happened to it is on record.
public struct OutboxEvent: Sendable, Equatable {
    /// What changed. A struct with static members, so kinds can be added.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Accepted for sending (`POST /v1/outbox`, a case's question).
        public static let queued = Kind(rawValue: "queued")
        /// About to be handed to the provider: committed before the call, so a crash during
        /// it is known at restart (the send is then in doubt, never silently repeated).
        public static let attempted = Kind(rawValue: "attempted")
        /// The provider accepted it.
        public static let sent = Kind(rawValue: "sent")
        /// It failed in a way worth retrying; `nextAttemptAt` says when.
        public static let retried = Kind(rawValue: "retried")
        /// Given up on: refused by the provider, out of retries, or in doubt after a crash.
        public static let deadLettered = Kind(rawValue: "dead_lettered")
        /// Re-driven from the dead letters by an operator: queued again.
        public static let requeued = Kind(rawValue: "requeued")
        /// Every kind.
        public static let all: [Kind] = [.queued, .attempted, .sent, .retried, .deadLettered, .requeued]

        /// The CloudEvent type.
        public var eventType: String { "com.listeningpost.outbox.\(rawValue).v1" }
    }

    /// The stream outbox events are stored on (besides `all`).
    public static let stream = LoopStreams.outbox
    /// The log's channel name for outbox events.
    public static let logChannel = "_outbox"

    public var id: String
    public var kind: Kind
    public var time: Date
    /// The message's outbox id.
    public var item: String
    /// The channel it goes out on.
    public var channel: String
    /// Kind-specific members (see docs/outbox.md).
    public var details: [String: JSONValue]

    /// Creates an event.
    public init(id: String, kind: Kind, time: Date, item: String, channel: String, details: [String: JSONValue] = [:]) {
        self.id = id
        self.kind = kind
        self.time = time
        self.item = item
        self.channel = channel
        self.details = details
    }

    /// The CloudEvent JSON, keys sorted as the gateway writes every event.
    public func jsonBytes() -> [UInt8] {
        GatewayEventEnvelope(
            id: id,
            source: "/outbox",
            type: kind.eventType,
            time: time,
            subject: item,
            extensions: ["channel": .string(channel)],
            data: ["item": .string(item), "channel": .string(channel), "details": .object(details)]
        ).jsonBytes()
    }

    /// An event read back; `nil` for any other event.
    public init?(event bytes: [UInt8]) {
        guard let envelope = GatewayEventEnvelope(event: bytes, typePrefix: "com.listeningpost.outbox."),
            let item = envelope.data["item"]?.stringValue, let channel = envelope.data["channel"]?.stringValue
        else { return nil }
        self.init(
            id: envelope.id,
            kind: Kind(rawValue: envelope.kind(after: "com.listeningpost.outbox.")),
            time: envelope.time,
            item: item,
            channel: channel,
            details: envelope.data["details"]?.objectValue ?? [:]
        )
    }
}
