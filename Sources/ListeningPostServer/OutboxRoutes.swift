import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore
import Metrics

/// The outbox API (operator token with scope `send`):
/// - `POST /v1/outbox`: queue a message to a customer, on a channel that can send; 202
///   after the `queued` event is committed. `Idempotency-Key` (else the body's bytes)
///   makes a retry the same message.
/// - `GET /v1/outbox?state=`: messages with their state, attempts and provider ids.
/// - `POST /v1/outbox/{id}/redrive`: queue a dead-lettered message again.
///
/// ```json
/// {"to": {"customer_id": "cus_ann"}, "text": "We have refunded the second charge.", "channel": "sms-replies"}
/// ```
struct OutboxRoutes: Sendable {
    let projection: OutboxProjection
    let log: any EventLog
    let authenticator: OperatorAuthenticator
    /// The rules of a message asked for.
    let composer: OutboxComposer
    let ids = EventIDGenerator()

    func register(on routes: Router<BasicRequestContext>) {
        routes.post("/v1/outbox") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            let body = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            let queued = try await composer.queue(body, idempotencyKey: request.idempotencyKey(body: body))
            return Response.json(
                .accepted,
                [
                    "id": .string(queued.id), "duplicate": .bool(queued.duplicate),
                    "channel": .string(queued.event.channel), "to": queued.event.details["to"] ?? .null,
                ]
            )
        }
        routes.get("/v1/outbox") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            let state: String? = request.uri.queryParameters.get("state").map { String($0) }
            if let state, OutboxItem.State(rawValue: state) == nil {
                throw HTTPProblem(
                    status: 400,
                    slug: "bad-query",
                    title: "Bad query parameter",
                    detail: "state: '\(state)' is not queued, attempting, sent or dead_lettered"
                )
            }
            var limit = 1_000
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text), (0...100_000).contains(value) else {
                    throw HTTPProblem(
                        status: 400,
                        slug: "bad-query",
                        title: "Bad query parameter",
                        detail: "limit: '\(text)' is not a number from 0 to 100000"
                    )
                }
                limit = value
            }
            let (items, total) = projection.read { book -> ([OutboxItem], Int) in
                let matched = book.items.values.filter { state == nil || $0.state.rawValue == state }
                return (Array(matched.sorted { ($0.queuedAt, $0.id) < ($1.queuedAt, $1.id) }.prefix(limit)), matched.count)
            }
            return Response.json(.ok, ["messages": .array(items.map(Self.json)), "total": .number(Double(total))])
        }
        routes.post("/v1/outbox/{id}/redrive") { request, context in
            _ = try authenticator.authorize(request, scope: .send)
            let id = context.parameters.get("id") ?? ""
            guard let item = projection.read({ $0.items[id] }) else {
                throw HTTPProblem(status: 404, slug: "unknown-message", title: "Not Found", detail: "no outbox message '\(id)'")
            }
            guard item.state == .deadLettered else {
                throw HTTPProblem(
                    status: 409,
                    slug: "outbox-state",
                    title: "Conflict",
                    detail: "message \(id) is \(item.state.rawValue); only dead letters are re-driven"
                )
            }
            let event = OutboxEvent(id: ids.next(), kind: .requeued, time: Date(), item: id, channel: item.channel)
            do {
                _ = try await log.append(
                    AppendRequest(
                        channel: OutboxEvent.logChannel,
                        events: [OutboxProjection.prepared(event, dedupKey: "outbox:\(id):requeued:\(item.totalAttempts)")]
                    )
                )
            } catch {
                throw HTTPProblem.unavailable("the re-drive could not be stored; retry")
            }
            return Response.json(.accepted, Self.json(projection.read { $0.items[id] } ?? item))
        }
    }

    static func json(_ item: OutboxItem) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(item.id), "channel": .string(item.channel), "to": .object(SurveyPrompt.identities(item.to)),
            "state": .string(item.state.rawValue),
            "source": .string(item.source), "queuedAt": .time(item.queuedAt), "attempts": .number(Double(item.attempts)),
        ]
        if let customer = item.customer { object["customer"] = .string(customer) }
        if let providerId = item.providerId { object["providerId"] = .string(providerId) }
        if let sentAt = item.sentAt { object["sentAt"] = .time(sentAt) }
        if let error = item.lastError { object["lastError"] = .string(error) }
        if let reason = item.deadReason { object["deadReason"] = .string(reason) }
        if item.state == .queued, item.attempts > 0 { object["nextAttemptAt"] = .time(item.nextAttemptAt) }
        return .object(object)
    }
}
