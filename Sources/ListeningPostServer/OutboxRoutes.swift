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
    let router: EventRouter
    let addressing: OutboxAddressing
    let authenticator: OperatorAuthenticator
    let suppressions: SuppressionList
    /// Cases, for messages about one (`case`).
    let cases: CaseProjection
    /// `templates:` by name.
    let templates: [String: NamedTemplate]
    /// Sends refused because the address is suppressed.
    let refused: Counter
    let ids = EventIDGenerator()

    func register(on routes: Router<BasicRequestContext>) {
        routes.post("/v1/outbox") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            let body = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            let key = request.idempotencyKey(body: body)
            let event = try await queued(body)
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
    func queued(_ body: [UInt8]) async throws -> OutboxEvent {
        guard case .object(let object)? = try? JSONValue.parse(body) else {
            throw HTTPProblem.malformed("the body must be a JSON object: {\"to\": {\"customer_id\" | \"email\" | \"phone\" | \"handle\": …}, \"text\" | \"template\": …, \"channel\"?: …}")
        }
        let fields = ["to", "text", "template", "subject", "channel", "case", "survey", "in_reply_to"]
        for key in object.keys.sorted() where !fields.contains(key) {
            throw HTTPProblem.malformed("\(key): unknown (fields: \(fields.joined(separator: ", ")))")
        }
        for key in fields where key != "to" {
            if let value = object[key], value.stringValue == nil { throw HTTPProblem.malformed("\(key): must be a string") }
        }
        let template = try namedTemplate(object)
        if template == nil {
            guard let text = object["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw HTTPProblem.malformed("text: required (or template: the name of one under `templates:`)")
            }
            guard text.count <= 10_000 else { throw HTTPProblem.malformed("text: at most 10,000 characters") }
        }
        var record: CaseRecord?
        if let id = object["case"]?.stringValue {
            guard let found = cases.read({ $0.cases[id] }) else { throw HTTPProblem.malformed("case: '\(id)' is not a case") }
            record = found
        }
        if let template, template.needsCase, record == nil {
            throw HTTPProblem.malformed("case: required, template '\(template.name)' uses case or segment variables")
        }
        let replied = try await repliedMessage(object["in_reply_to"]?.stringValue)

        // Who: as given, else the case's customer, else the author of the message answered.
        let directory = router.directory
        var given = Author()
        var customer: Customer?
        if let to = object["to"] {
            (given, customer) = try recipient(to, channel: object["channel"]?.stringValue, directory: directory)
        } else if let record {
            customer = record.subject.customer.flatMap { directory.customer(id: $0.id) }
            given = Author(email: record.replyTo["email"]?.stringValue, phone: record.replyTo["phone"]?.stringValue, handle: record.replyTo["handle"]?.stringValue)
        } else if let replied {
            given = replied.data.author
            customer = replied.data.customer.flatMap { directory.customer(id: $0.id) }
        } else {
            throw HTTPProblem.malformed("to: required, an object naming the customer by customer_id, email, phone or handle (or give case or in_reply_to)")
        }
        let customerId = customer?.id ?? record?.subject.customer?.id ?? replied?.data.customer?.id

        // Where: as asked, else the channel answered, else the preferred one, else the one
        // the customer last wrote on.
        var channel = object["channel"]?.stringValue ?? replied?.channel ?? customer?.preferredChannel ?? record?.preferredChannel
        if channel == nil, let customerId,
            let last = try? await LastContact.latestMessage(of: customerId, in: log, channels: Set(addressing.sendingChannels.keys))
        {
            channel = last.data.preferredChannel.flatMap { addressing.sendingChannels[$0] == nil ? nil : $0 } ?? last.channel
            if channel == last.channel, object["to"] == nil { given = last.data.author }
        }
        let resolved: (channel: String, to: Author)
        do {
            resolved = try addressing.resolve(channel: channel, to: given, customer: customer)
        } catch {
            throw HTTPProblem.malformed(error.description)
        }

        var survey: SurveyRequest?
        if let id = object["survey"]?.stringValue {
            let reference = customer.map { CustomerReference(id: $0.id, provisional: false) } ?? directory.resolve(resolved.to, channel: resolved.channel)?.reference
            guard let reference else { throw HTTPProblem.malformed("survey: the recipient cannot be told apart from anyone else, so a reply could not be scored") }
            survey = SurveyRequest(id: id, customer: reference)
        }
        var text = object["text"]?.stringValue ?? ""
        var subject = object["subject"]?.stringValue
        if let template {
            let segment = record.flatMap { record in router.rules.segments.first { $0.name == record.subject.segment } }
            let values = TemplateValues.message(customer: customer, customerId: customerId, case: record, segment: segment, survey: survey?.id, channel: resolved.channel)
            text = template.text.render(values)
            subject = subject ?? template.subject?.render(values)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw HTTPProblem.malformed("template: '\(template.name)' renders empty for this customer")
            }
        }
        var thread: ThreadReference?
        if let replied, replied.channel == resolved.channel {
            thread = ThreadReference(message: replied.data)
        } else if let record, record.subject.channel == resolved.channel {
            thread = record.thread
        }
        return OutboxAddressing.queued(
            id: ids.next(), channel: resolved.channel, to: resolved.to, customer: customer?.id ?? record?.subject.customer?.id, text: text, subject: subject,
            source: record.map { "case:\($0.subject.id)" } ?? "api", now: Date(), ids: ids, thread: thread, survey: survey)
    }

    private func namedTemplate(_ object: [String: JSONValue]) throws -> NamedTemplate? {
        guard let name = object["template"]?.stringValue else { return nil }
        if object["text"] != nil { throw HTTPProblem.malformed("text: give text or template, not both") }
        guard let template = templates[name] else {
            throw HTTPProblem.malformed("template: '\(name)' is not under `templates:` (templates: \(templates.keys.sorted().joined(separator: ", ")))")
        }
        return template
    }

    /// The customer's message an `in_reply_to` names.
    private func repliedMessage(_ id: String?) async throws -> MessageEvent? {
        guard let id else { return nil }
        let bytes: [UInt8]?
        do {
            bytes = try await log.event(id: id)
        } catch {
            throw HTTPProblem.unavailable("the event could not be read; retry")
        }
        guard let bytes else { throw HTTPProblem.malformed("in_reply_to: no event '\(id)'") }
        guard let event = try? MessageEvent.decode(bytes), event.type == MessageEvent.messageReceivedType else {
            throw HTTPProblem.malformed("in_reply_to: event '\(id)' is not a customer's message")
        }
        return event
    }

    /// `to`: an address and, when the directory knows it, the customer.
    private func recipient(_ value: JSONValue, channel: String?, directory: CustomerDirectory) throws -> (Author, Customer?) {
        guard case .object(let to) = value else { throw HTTPProblem.malformed("to: an object naming the customer by customer_id, email, phone or handle") }
        for key in to.keys where !["customer_id", "email", "phone", "handle"].contains(key) {
            throw HTTPProblem.malformed("to.\(key): unknown; name the customer by customer_id, email, phone or handle")
        }
        var given = Author(email: to["email"]?.stringValue, handle: to["handle"]?.stringValue)
        if let raw = to["phone"]?.stringValue {
            guard let phone = PhoneNumber.e164(raw) else { throw HTTPProblem.malformed("to.phone: '\(raw)' is not a phone number that normalises to E.164") }
            given.phone = phone
        }
        if let id = to["customer_id"]?.stringValue {
            guard let known = directory.customer(id: id) else { throw HTTPProblem.malformed("to.customer_id: '\(id)' is not in the customer directory") }
            return (given, known)
        }
        guard !given.isAnonymous else { throw HTTPProblem.malformed("to: name the customer by customer_id, email, phone or handle") }
        return (given, directory.resolve(given, channel: channel ?? "").flatMap(\.customer))
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
