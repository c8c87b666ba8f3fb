import Foundation
import ListeningPostCore
import ListeningPostKit

/// The filters of `GET /v1/cases` and `listening-post cases`, read from query parameters.
/// Pure: an unknown parameter or value is an error naming what is allowed.
public struct CaseQuery: Sendable, Equatable {
    /// States to list; `open` and `resolved` (everything not closed) by default.
    public var states: Set<CaseRecord.State> = [.open, .resolved]
    public var segment: String?
    public var channel: String?
    public var owner: String?
    public var customer: String?
    public var rule: String?
    /// Only cases with (`true`) or without (`false`) a breach in their current cycle.
    public var breached: Bool?
    /// At most this many, soonest due first.
    public var limit = 100

    /// Everything not closed.
    public init() {}

    /// The parameters every query may have.
    public static let parameters = ["state", "segment", "channel", "owner", "customer", "rule", "breached", "limit"]

    /// Parses query parameters; throws a message naming the bad one.
    public static func parse(_ parameters: [String: String]) throws(CaseQueryError) -> CaseQuery {
        var query = CaseQuery()
        for name in parameters.keys where !Self.parameters.contains(name) {
            throw CaseQueryError(description: "unknown parameter '\(name)' (parameters: \(Self.parameters.joined(separator: ", ")))")
        }
        if let text = parameters["state"] {
            var states = Set<CaseRecord.State>()
            for part in text.split(separator: ",") {
                if part == "all" {
                    states.formUnion(CaseRecord.State.allCases)
                } else if let state = CaseRecord.State(rawValue: String(part)) {
                    states.insert(state)
                } else {
                    throw CaseQueryError(description: "state: '\(part)' is not open, resolved, closed or all")
                }
            }
            query.states = states
        }
        query.segment = parameters["segment"]
        query.channel = parameters["channel"]
        query.owner = parameters["owner"]
        query.customer = parameters["customer"]
        query.rule = parameters["rule"]
        if let text = parameters["breached"] {
            guard let value = Bool(text) else { throw CaseQueryError(description: "breached: '\(text)' is not true or false") }
            query.breached = value
        }
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...10_000).contains(limit) else {
                throw CaseQueryError(description: "limit: '\(text)' is not a number from 1 to 10000")
            }
            query.limit = limit
        }
        return query
    }

    /// Whether a case passes the filters.
    public func matches(_ record: CaseRecord) -> Bool {
        states.contains(record.state) && (segment.map { $0 == record.subject.segment } ?? true)
            && (channel.map { $0 == record.subject.channel } ?? true)
            && (owner.map { $0 == record.owner } ?? true) && (customer.map { $0 == record.subject.customer?.id } ?? true)
            && (rule.map { $0 == record.subject.rule } ?? true) && (breached.map { $0 == record.breached } ?? true)
    }
}

/// A bad `GET /v1/cases` parameter.
public struct CaseQueryError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension CaseBook {
    /// The cases a query selects, the soonest due first (then the oldest), and how many matched.
    public func cases(matching query: CaseQuery) -> (cases: [CaseRecord], total: Int) {
        let matched = cases.values.filter(query.matches)
        let sorted = matched.sorted { a, b in
            switch (a.nextDue, b.nextDue) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return (a.openedAt, a.subject.id) < (b.openedAt, b.subject.id)
            }
        }
        return (Array(sorted.prefix(query.limit)), matched.count)
    }
}

extension CaseRecord {
    /// The earliest due time still running.
    public var nextDue: Date? { targets.values.map(\.due).min() }

    /// The case as the API answers it, with its clocks at `now`.
    public func json(now: Date) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(subject.id), "rule": .string(subject.rule), "cycle": .number(Double(subject.cycle)), "state": .string(state.rawValue),
            "segment": .string(subject.segment), "channel": .string(subject.channel), "preferredChannel": .string(preferredChannel),
            "replyTo": .object(replyTo), "calendar": .string(calendar), "openedAt": .time(openedAt), "openingMessage": .string(openingMessage),
            "updatedAt": .time(updatedAt), "breached": .bool(breached),
            "alerts": .array(alerts.sorted().map { .string($0) }),
        ]
        object["customer"] = subject.customer.map { ["id": .string($0.id), "provisional": .bool($0.provisional)] } ?? .null
        object["targets"] = .array(
            targets.values.sorted { $0.due < $1.due }.map { target in
                let left = target.due.timeIntervalSince(now)
                return [
                    "name": .string(target.name), "seconds": .number(Double(target.seconds)), "due": .time(target.due),
                    "secondsLeft": .number(left.rounded()), "overdue": .bool(left < 0),
                ]
            }
        )
        func put(_ key: String, _ value: JSONValue?) { if let value { object[key] = value } }
        put("owner", owner.map { .string($0) })
        put("openingScore", openingScore.map { .number(Double($0)) })
        put("respondedAt", respondedAt.map { .time($0) })
        put("firstResponseAt", firstResponseAt.map { .time($0) })
        put("firstResponseWithinTarget", firstResponseWithinTarget.map { .bool($0) })
        put("resolvedAt", resolvedAt.map { .time($0) })
        put("rootCause", rootCause.map { .string($0) })
        put("resolution", resolution.map { .string($0) })
        put("confirmationExpiresAt", confirmationExpiresAt.map { .time($0) })
        put("closedAt", closedAt.map { .time($0) })
        put("outcome", outcome.map { .string($0) })
        put("recoveryScore", recoveryScore.map { .number(Double($0)) })
        return .object(object)
    }
}
