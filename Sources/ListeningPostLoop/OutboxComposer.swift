import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Metrics

/// The outbox's rules for a message asked for by an operator (`POST /v1/outbox`): who it
/// goes to (as given, else the case's customer, else the author of the message answered),
/// on which channel (as asked, else the one answered, else the preferred one, else the one
/// the customer last wrote on), its text (given, or a template rendered for the customer
/// and case), and whether it may go at all (never to a suppressed address). Throws the
/// exact ``HTTPProblem`` for a request it refuses; the route only translates.
public struct OutboxComposer: Sendable {
    let projection: OutboxProjection
    let log: any EventLog
    let router: EventRouter
    let addressing: OutboxAddressing
    let suppressions: SuppressionList
    /// Cases, for messages about one (`case`).
    let cases: CaseProjection
    /// `templates:` by name.
    let templates: [String: NamedTemplate]
    /// Sends refused because the address is suppressed.
    let refused: Counter
    let ids = EventIDGenerator()

    /// Creates a composer.
    public init(
        projection: OutboxProjection,
        log: any EventLog,
        router: EventRouter,
        addressing: OutboxAddressing,
        suppressions: SuppressionList,
        cases: CaseProjection,
        templates: [String: NamedTemplate],
        refused: Counter
    ) {
        self.projection = projection
        self.log = log
        self.router = router
        self.addressing = addressing
        self.suppressions = suppressions
        self.cases = cases
        self.templates = templates
        self.refused = refused
    }

    /// A message queued, or found queued already under the same idempotency key.
    public struct Queued: Sendable {
        /// The outbox id: the new message's, or the one first queued under the key.
        public var id: String
        /// Whether the key had queued it before.
        public var duplicate: Bool
        /// The `queued` event this request made.
        public var event: OutboxEvent
    }

    /// Queues the message `body` asks for, once per idempotency key: 409 for a suppressed
    /// address, 503 when it could not be stored.
    public func queue(_ body: [UInt8], idempotencyKey key: String) async throws -> Queued {
        let event = try await queued(body)
        if let item = OutboxItem(queuedEvent: event), let (address, suppression) = suppressions.suppression(for: item.to) {
            refused.increment()
            throw HTTPProblem(
                status: 409,
                slug: "suppressed",
                title: "Conflict",
                detail:
                    "\(address) is suppressed (\(suppression.source == "keyword" ? "the customer texted STOP" : "by \(suppression.by)") at \(RFC3339.string(from: suppression.time))); nothing was queued"
            )
        }
        let receipt: IngestReceipt
        do {
            receipt = try await log.append(
                AppendRequest(channel: OutboxEvent.logChannel, events: [OutboxProjection.prepared(event, dedupKey: "outbox:queued:\(key)")])
            )[0]
        } catch {
            throw HTTPProblem.unavailable("the message could not be stored; retry with the same Idempotency-Key")
        }
        // A duplicate answers with the message first queued under this key.
        let id = receipt.duplicate ? storedItem(eventId: receipt.eventId) ?? event.item : event.item
        return Queued(id: id, duplicate: receipt.duplicate, event: event)
    }

    /// The outbox id of the message a stored `queued` event (by event id) created.
    private func storedItem(eventId: String) -> String? {
        projection.read { book in book.items.values.first { $0.queuedEventId == eventId }?.id }
    }

    /// The `queued` event a body asks for, or the exact problem.
    public func queued(_ body: [UInt8]) async throws -> OutboxEvent {
        guard case .object(let object)? = try? JSONValue.parse(body) else {
            throw HTTPProblem.malformed(
                "the body must be a JSON object: {\"to\": {\"customer_id\" | \"email\" | \"phone\" | \"handle\": …}, \"text\" "
                    + "| \"template\": …, \"channel\"?: …}"
            )
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
            given = Author(
                email: record.replyTo["email"]?.stringValue,
                phone: record.replyTo["phone"]?.stringValue,
                handle: record.replyTo["handle"]?.stringValue
            )
        } else if let replied {
            given = replied.data.author
            customer = replied.data.customer.flatMap { directory.customer(id: $0.id) }
        } else {
            throw HTTPProblem.malformed(
                "to: required, an object naming the customer by customer_id, email, phone or handle (or give case or in_reply_to)"
            )
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
            let reference =
                customer.map { CustomerReference(id: $0.id, provisional: false) }
                ?? directory.resolve(resolved.to, channel: resolved.channel)?.reference
            guard let reference else {
                throw HTTPProblem.malformed("survey: the recipient cannot be told apart from anyone else, so a reply could not be scored")
            }
            survey = SurveyRequest(id: id, customer: reference)
        }
        var text = object["text"]?.stringValue ?? ""
        var subject = object["subject"]?.stringValue
        if let template {
            let segment = record.flatMap { record in router.rules.segments.first { $0.name == record.subject.segment } }
            let values = TemplateValues.message(
                customer: customer,
                customerId: customerId,
                case: record,
                segment: segment,
                survey: survey?.id,
                channel: resolved.channel
            )
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
            id: ids.next(),
            channel: resolved.channel,
            to: resolved.to,
            customer: customer?.id ?? record?.subject.customer?.id,
            text: text,
            subject: subject,
            source: record.map { "case:\($0.subject.id)" } ?? "api",
            now: Date(),
            ids: ids,
            thread: thread,
            survey: survey
        )
    }

    private func namedTemplate(_ object: [String: JSONValue]) throws -> NamedTemplate? {
        guard let name = object["template"]?.stringValue else { return nil }
        if object["text"] != nil { throw HTTPProblem.malformed("text: give text or template, not both") }
        guard let template = templates[name] else {
            throw HTTPProblem.malformed(
                "template: '\(name)' is not under `templates:` (templates: \(templates.keys.sorted().joined(separator: ", ")))"
            )
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
        guard case .object(let to) = value else {
            throw HTTPProblem.malformed("to: an object naming the customer by customer_id, email, phone or handle")
        }
        for key in to.keys where !["customer_id", "email", "phone", "handle"].contains(key) {
            throw HTTPProblem.malformed("to.\(key): unknown; name the customer by customer_id, email, phone or handle")
        }
        var given = Author(email: to["email"]?.stringValue, handle: to["handle"]?.stringValue)
        if let raw = to["phone"]?.stringValue {
            guard let phone = PhoneNumber.e164(raw) else {
                throw HTTPProblem.malformed("to.phone: '\(raw)' is not a phone number that normalises to E.164")
            }
            given.phone = phone
        }
        if let id = to["customer_id"]?.stringValue {
            guard let known = directory.customer(id: id) else {
                throw HTTPProblem.malformed("to.customer_id: '\(id)' is not in the customer directory")
            }
            return (given, known)
        }
        guard !given.isAnonymous else { throw HTTPProblem.malformed("to: name the customer by customer_id, email, phone or handle") }
        return (given, directory.resolve(given, channel: channel ?? "").flatMap(\.customer))
    }
}
