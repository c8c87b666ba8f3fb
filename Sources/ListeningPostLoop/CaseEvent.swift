import Foundation
import ListeningPostCore
import ListeningPostKit

/// One change to a case, as stored: a `com.listeningpost.case.<kind>.v1` CloudEvent on the
/// `cases` stream (and `all`). The case table is a fold of these events, so this type is
/// both what the gateway writes and what the projection reads back.
///
/// Every event names its case with the facts filters need (`data.case`: id, rule, cycle,
/// customer, segment, channel) and carries what the change adds in `data.details`.
public struct CaseEvent: Sendable, Equatable {
    /// What changed. A struct with static members, so kinds can be added.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let opened = Kind(rawValue: "opened")
        public static let messageAdded = Kind(rawValue: "message_added")
        public static let assigned = Kind(rawValue: "assigned")
        public static let responded = Kind(rawValue: "responded")
        public static let slaWarning = Kind(rawValue: "sla_warning")
        public static let slaBreached = Kind(rawValue: "sla_breached")
        public static let resolved = Kind(rawValue: "resolved")
        public static let confirmationRequested = Kind(rawValue: "confirmation_requested")
        public static let confirmed = Kind(rawValue: "confirmed")
        public static let reopened = Kind(rawValue: "reopened")
        public static let closed = Kind(rawValue: "closed")
        public static let rescored = Kind(rawValue: "rescored")
        /// Every kind, in the order a case usually meets them.
        public static let all: [Kind] = [
            .opened, .messageAdded, .assigned, .responded, .slaWarning, .slaBreached, .resolved, .confirmationRequested, .confirmed, .reopened,
            .closed,
            .rescored,
        ]

        /// The CloudEvent type.
        public var eventType: String { "com.listeningpost.case.\(rawValue).v1" }
    }

    /// The stream case events are stored on (besides `all`).
    public static let stream = LoopStreams.cases
    /// The log's channel name for case events (channel ids cannot start with `_`).
    public static let logChannel = "_cases"

    /// The event id.
    public var id: String
    /// What changed.
    public var kind: Kind
    /// When it happened (the CloudEvent `time`). For a breach, when it was recorded; the
    /// due time is in the details.
    public var time: Date
    /// The case as it stands.
    public var subject: CaseSubject
    /// What this change adds: kind-specific members (see docs/cases.md).
    public var details: [String: JSONValue]

    /// Creates an event.
    public init(id: String, kind: Kind, time: Date, subject: CaseSubject, details: [String: JSONValue] = [:]) {
        self.id = id
        self.kind = kind
        self.time = time
        self.subject = subject
        self.details = details
    }

    /// The CloudEvent JSON, keys sorted as the gateway writes every event. The segment and
    /// channel are also extension attributes, so brokers can filter on them.
    public func jsonBytes() -> [UInt8] {
        var extensions: [String: JSONValue] = [
            "caseid": .string(subject.id), "segment": .string(subject.segment), "channel": .string(subject.channel),
        ]
        if let customer = subject.customer { extensions["customerid"] = .string(customer.id) }
        return GatewayEventEnvelope(
            id: id,
            source: "/cases",
            type: kind.eventType,
            time: time,
            subject: subject.id,
            extensions: extensions,
            data: ["case": subject.json, "details": .object(details)]
        ).jsonBytes()
    }

    /// An event read back from its bytes; `nil` for any other event.
    public init?(event bytes: [UInt8]) {
        guard let envelope = GatewayEventEnvelope(event: bytes, typePrefix: "com.listeningpost.case."),
            let subject = envelope.data["case"].flatMap(CaseSubject.init(json:))
        else { return nil }
        self.init(
            id: envelope.id,
            kind: Kind(rawValue: envelope.kind(after: "com.listeningpost.case.")),
            time: envelope.time,
            subject: subject,
            details: envelope.data["details"]?.objectValue ?? [:]
        )
    }
}

/// The facts of a case every one of its events carries.
public struct CaseSubject: Sendable, Equatable {
    /// The case id.
    public var id: String
    /// The case rule that opened it.
    public var rule: String
    /// 1, plus one for every reopening: breaches and warnings are per cycle.
    public var cycle: Int
    /// Who it is about (`nil` for a message with no identity at all).
    public var customer: CustomerReference?
    /// The segment of the message that opened it.
    public var segment: String
    /// The channel of the message that opened it.
    public var channel: String

    /// Creates a subject.
    public init(id: String, rule: String, cycle: Int, customer: CustomerReference?, segment: String, channel: String) {
        self.id = id
        self.rule = rule
        self.cycle = cycle
        self.customer = customer
        self.segment = segment
        self.channel = channel
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "rule": .string(rule), "cycle": .number(Double(cycle)), "segment": .string(segment), "channel": .string(channel),
        ]
        object["customer"] = customer.map { ["id": .string($0.id), "provisional": .bool($0.provisional)] } ?? .null
        return .object(object)
    }

    init?(json: JSONValue) {
        guard case .object(let object) = json, let id = object["id"]?.stringValue, let rule = object["rule"]?.stringValue,
            case .number(let cycle)? = object["cycle"], let segment = object["segment"]?.stringValue, let channel = object["channel"]?.stringValue
        else { return nil }
        var customer: CustomerReference?
        if case .object(let reference)? = object["customer"], let customerId = reference["id"]?.stringValue {
            customer = CustomerReference(id: customerId, provisional: reference["provisional"] == .bool(true))
        }
        self.init(id: id, rule: rule, cycle: Int(cycle), customer: customer, segment: segment, channel: channel)
    }
}
