import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import ListeningPostCore
import ListeningPostKit

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
    let router: EventRouter
    let addressing: OutboxAddressing
    let authenticator: OperatorAuthenticator
    let suppressions: SuppressionList
    /// Sends refused because the address is suppressed.
    let refused: Counter
    let ids = EventIDGenerator()

    func register(on routes: Router<BasicRequestContext>) {
        routes.post("/v1/outbox") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            let body = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            let key = request.idempotencyKey(body: body)
            let event = try queued(body)
            if let item = OutboxItem(queuedEvent: event), let address = SuppressionEvent.address(of: item.to), let suppression = suppressions.suppression(of: address) {
                refused.increment()
                throw HTTPProblem(
                    status: 409, slug: "suppressed", title: "Conflict",
                    detail: "\(address) is suppressed (\(suppression.source == "keyword" ? "the customer texted STOP" : "by \(suppression.by)") at \(RFC3339.string(from: suppression.time))); nothing was queued")
            }
            let receipt: IngestReceipt
            do {
                receipt = try await log.append(AppendRequest(channel: OutboxEvent.logChannel, events: [OutboxProjection.prepared(event, dedupKey: "outbox:queued:\(key)")]))[0]
            } catch {
                throw HTTPProblem.unavailable("the message could not be stored; retry with the same Idempotency-Key")
            }
            // A duplicate answers with the message first queued under this key.
            let id = receipt.duplicate ? storedItem(eventId: receipt.eventId) ?? event.item : event.item
            return Response.json(.accepted, [
                "id": .string(id), "duplicate": .bool(receipt.duplicate),
                "channel": .string(event.channel), "to": event.details["to"] ?? .null,
            ])
        }
        routes.get("/v1/outbox") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            let state: String? = request.uri.queryParameters.get("state").map { String($0) }
            if let state, OutboxItem.State(rawValue: state) == nil {
                throw HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: "state: '\(state)' is not queued, attempting, sent or dead_lettered")
            }
            var limit = 1_000
            if let text = request.uri.queryParameters.get("limit") {
                guard let value = Int(text), (0...100_000).contains(value) else {
                    throw HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: "limit: '\(text)' is not a number from 0 to 100000")
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
                throw HTTPProblem(status: 409, slug: "outbox-state", title: "Conflict", detail: "message \(id) is \(item.state.rawValue); only dead letters are re-driven")
            }
            let event = OutboxEvent(id: ids.next(), kind: .requeued, time: Date(), item: id, channel: item.channel)
            do {
                _ = try await log.append(AppendRequest(channel: OutboxEvent.logChannel, events: [OutboxProjection.prepared(event, dedupKey: "outbox:\(id):requeued:\(item.totalAttempts)")]))
            } catch {
                throw HTTPProblem.unavailable("the re-drive could not be stored; retry")
            }
            return Response.json(.accepted, Self.json(projection.read { $0.items[id] } ?? item))
        }
    }

    /// The outbox id of the message a stored `queued` event (by event id) created.
    private func storedItem(eventId: String) -> String? {
        projection.read { book in book.items.values.first { $0.queuedEventId == eventId }?.id }
    }

    /// The `queued` event a body asks for, or the exact problem.
    func queued(_ body: [UInt8]) throws -> OutboxEvent {
        guard case .object(let object)? = try? JSONValue.parse(body) else {
            throw HTTPProblem.malformed("the body must be a JSON object: {\"to\": {\"customer_id\" | \"email\" | \"phone\" | \"handle\": …}, \"text\": …, \"channel\"?: …}")
        }
        for key in object.keys where !["to", "text", "subject", "channel"].contains(key) {
            throw HTTPProblem.malformed("\(key): unknown (fields: to, text, subject, channel)")
        }
        guard let text = object["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw HTTPProblem.malformed("text: required") }
        guard text.count <= 10_000 else { throw HTTPProblem.malformed("text: at most 10,000 characters") }
        guard case .object(let to)? = object["to"] else { throw HTTPProblem.malformed("to: required, an object naming the customer by customer_id, email, phone or handle") }
        for key in to.keys where !["customer_id", "email", "phone", "handle"].contains(key) {
            throw HTTPProblem.malformed("to.\(key): unknown; name the customer by customer_id, email, phone or handle")
        }
        var given = Author(email: to["email"]?.stringValue, handle: to["handle"]?.stringValue)
        if let raw = to["phone"]?.stringValue {
            guard let phone = PhoneNumber.e164(raw) else { throw HTTPProblem.malformed("to.phone: '\(raw)' is not a phone number that normalises to E.164") }
            given.phone = phone
        }
        let directory = router.directory
        var customer: Customer?
        if let id = to["customer_id"]?.stringValue {
            guard let known = directory.customers.first(where: { $0.id == id }) else { throw HTTPProblem.malformed("to.customer_id: '\(id)' is not in the customer directory") }
            customer = known
        } else if !given.isAnonymous {
            customer = directory.resolve(given, channel: object["channel"]?.stringValue ?? "").flatMap(\.customer)
        } else {
            throw HTTPProblem.malformed("to: name the customer by customer_id, email, phone or handle")
        }
        let resolved: (channel: String, to: Author)
        do {
            resolved = try addressing.resolve(channel: object["channel"]?.stringValue, to: given, customer: customer)
        } catch {
            throw HTTPProblem.malformed(error.description)
        }
        return OutboxAddressing.queued(
            id: ids.next(), channel: resolved.channel, to: resolved.to, customer: customer?.id, text: text, subject: object["subject"]?.stringValue,
            source: "api", now: Date(), ids: ids)
    }

    static func json(_ item: OutboxItem) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(item.id), "channel": .string(item.channel), "to": .object(SurveyPrompt.identities(item.to)), "state": .string(item.state.rawValue),
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
