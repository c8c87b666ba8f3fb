import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// An address the gateway must not send to: a phone that texted STOP, an email an operator
/// suppressed. Stored as `com.listeningpost.suppression.added.v1` / `.removed.v1` events on
/// the `suppressions` stream; the list in force is a projection of them.
public struct SuppressionEvent: Sendable, Equatable {
    /// The stream suppressions are stored on (besides `all`).
    public static let stream = LoopStreams.suppressions
    /// The log channel of suppressions made through the API.
    public static let logChannel = "_suppressions"

    /// An E.164 phone, or a lowercased email.
    public var address: String
    /// Whether it starts (`true`) or ends a suppression.
    public var added: Bool
    /// `keyword` (an SMS STOP/START) or `api`.
    public var source: String
    /// The message or operator behind it.
    public var by: String
    public var id: String
    public var time: Date

    public init(id: String, address: String, added: Bool, source: String, by: String, time: Date) {
        self.id = id
        self.address = address
        self.added = added
        self.source = source
        self.by = by
        self.time = time
    }

    /// The keywords carriers treat as opt-out and opt-in (CTIA; Twilio's defaults): a reply
    /// that is exactly one of them, in any case.
    public static let stopKeywords: Set<String> = ["stop", "stopall", "unsubscribe", "cancel", "end", "quit"]
    public static let startKeywords: Set<String> = ["start", "unstop"]

    /// The change an inbound SMS asks for, if its text is exactly a keyword.
    public static func keyword(in text: String) -> Bool? {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if stopKeywords.contains(word) { return true }
        if startKeywords.contains(word) { return false }
        return nil
    }

    /// The normalised address of an author, for matching: E.164 phone, else lowercased email.
    public static func address(of author: Author) -> String? {
        author.phone ?? author.email?.lowercased()
    }

    public var eventType: String { "com.listeningpost.suppression.\(added ? "added" : "removed").v1" }

    public func jsonBytes() -> [UInt8] {
        GatewayEventEnvelope(
            id: id,
            source: "/suppressions",
            type: eventType,
            time: time,
            subject: address,
            data: ["address": .string(address), "source": .string(source), "by": .string(by)]
        ).jsonBytes()
    }

    public init?(event bytes: [UInt8]) {
        guard
            let envelope = GatewayEventEnvelope(
                event: bytes,
                accepting: {
                    $0 == "com.listeningpost.suppression.added.v1" || $0 == "com.listeningpost.suppression.removed.v1"
                }
            ),
            let address = envelope.data["address"]?.stringValue
        else { return nil }
        self.init(
            id: envelope.id,
            address: address,
            added: envelope.type.contains(".added."),
            source: envelope.data["source"]?.stringValue ?? "api",
            by: envelope.data["by"]?.stringValue ?? "",
            time: envelope.time
        )
    }

    /// Ready for the log, on `suppressions` and `all`.
    public func prepared(dedupKey: String) -> PreparedEvent {
        PreparedEvent(id: id, dedupKey: dedupKey, payload: jsonBytes(), streams: [RoutingRules.firehose, Self.stream])
    }
}
