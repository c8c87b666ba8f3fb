import Foundation
import ListeningPostKit

/// The CloudEvents 1.0 envelope of the events the gateway writes itself (survey prompts,
/// cases, the outbox, suppressions): the required attributes, the lowercase extension
/// attributes brokers filter on, and `data`. One codec, so every such event is written and
/// read alike: keys sorted, as the gateway writes every event, and `time` in RFC 3339.
///
/// ```swift
/// let bytes = GatewayEventEnvelope(id: id, source: "/outbox", type: "com.listeningpost.outbox.sent.v1", time: now,
///                                  subject: item, extensions: ["channel": .string(channel)], data: [...]).jsonBytes()
/// ```
public struct GatewayEventEnvelope: Sendable, Equatable {
    /// The event id.
    public var id: String
    /// Where it comes from (`/cases`, `/outbox`, …).
    public var source: String
    /// Its versioned type (`com.listeningpost.case.opened.v1`).
    public var type: String
    /// When it happened.
    public var time: Date
    /// What it is about (a case id, an outbox id, an address, a customer).
    public var subject: String
    /// Extension attributes, lowercase, besides the required ones.
    public var extensions: [String: JSONValue]
    /// The event's `data`.
    public var data: [String: JSONValue]

    /// Creates an envelope.
    public init(
        id: String,
        source: String,
        type: String,
        time: Date,
        subject: String,
        extensions: [String: JSONValue] = [:],
        data: [String: JSONValue]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.subject = subject
        self.extensions = extensions
        self.data = data
    }

    /// The CloudEvent JSON.
    public func jsonBytes() -> [UInt8] {
        var event = extensions
        event["specversion"] = "1.0"
        event["id"] = .string(id)
        event["source"] = .string(source)
        event["type"] = .string(type)
        event["time"] = .time(time)
        event["datacontenttype"] = "application/json"
        event["subject"] = .string(subject)
        event["data"] = .object(data)
        return JSONValue.object(event).compactJSON()
    }

    /// The envelope of a stored event whose type `accepts`; `nil` for any other event, or
    /// one without an id, a time or a `data` object.
    public init?(event bytes: [UInt8], accepting accepts: (String) -> Bool) {
        guard case .object(var event)? = try? JSONValue.parse(bytes), let type = event["type"]?.stringValue, accepts(type),
            let id = event["id"]?.stringValue, let time = event["time"]?.dateValue, case .object(let data)? = event["data"]
        else { return nil }
        let source = event["source"]?.stringValue ?? ""
        let subject = event["subject"]?.stringValue ?? ""
        for key in ["specversion", "id", "source", "type", "time", "datacontenttype", "subject", "data"] { event[key] = nil }
        self.init(id: id, source: source, type: type, time: time, subject: subject, extensions: event, data: data)
    }

    /// The envelope of a stored event whose type is `prefix` + a kind + `.v1`, with that kind.
    public init?(event bytes: [UInt8], typePrefix prefix: String) {
        self.init(event: bytes) { $0.hasPrefix(prefix) && $0.hasSuffix(".v1") && $0.count > prefix.count + 3 }
    }

    /// The kind in a type of the form `prefix` + kind + `.v1`.
    public func kind(after prefix: String) -> String { String(type.dropFirst(prefix.count).dropLast(3)) }
}

extension JSONValue {
    /// A time as the events write it.
    public static func time(_ date: Date) -> JSONValue { .string(RFC3339.string(from: date)) }

    /// A time read back.
    public var dateValue: Date? { stringValue.flatMap(RFC3339.date(from:)) }

    /// A whole number read back.
    public var intValue: Int? {
        if case .number(let value) = self, value == value.rounded(), abs(value) < 1e15 { return Int(value) }
        return nil
    }
}
