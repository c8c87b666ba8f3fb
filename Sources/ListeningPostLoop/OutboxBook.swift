import DequeModule
import Foundation
import ListeningPostCore
import ListeningPostKit

/// One outgoing message as its events have made it.
public struct OutboxItem: Sendable, Equatable {
    /// Where a message is.
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Waiting for its turn (or its next retry).
        case queued
        /// Handed to the provider; the outcome is not stored yet.
        case attempting
        /// Accepted by the provider.
        case sent
        /// Given up on; re-drivable.
        case deadLettered = "dead_lettered"
    }

    public var id: String
    /// The id of its `queued` event (what a duplicate request is answered with).
    public var queuedEventId: String
    public var channel: String
    /// The address, in the channel's terms.
    public var to: Author
    /// Who it is for, when known.
    public var customer: String?
    public var text: String
    public var subject: String?
    /// The customer's message it answers, for threading.
    public var thread: ThreadReference?
    /// What asked for it: `api`, or `case:<id>`.
    public var source: String
    public var state: State = .queued
    public var queuedAt: Date
    /// Attempts since it was (re)queued.
    public var attempts = 0
    /// Attempts ever, across re-drives: numbers each attempt's events.
    public var totalAttempts = 0
    public var nextAttemptAt: Date
    public var lastError: String?
    public var providerId: String?
    public var sentAt: Date?
    /// Why it was dead-lettered: `permanent`, `exhausted` or `in_doubt`.
    public var deadReason: String?
    /// The survey it asks, when it is one: once sent, it is the `survey.sent` prompt whose
    /// reply is read for a score.
    public var survey: SurveyRequest?

    /// Messages to the same address go out in order, one at a time.
    public var recipientKey: String { channel + "\u{0}" + (to.phone ?? to.email ?? to.handle ?? to.id ?? "") }

    /// The message to hand to the channel's sender.
    public var outbound: OutboundMessage { OutboundMessage(id: id, to: to, text: text, subject: subject, inReplyTo: thread) }

    /// An item from its `queued` event (public: the API reads a request's recipient the same way).
    public init?(queuedEvent event: OutboxEvent) { self.init(queued: event) }

    /// An item from its `queued` event.
    init?(queued event: OutboxEvent) {
        let details = event.details
        guard event.kind == .queued, let text = details["text"]?.stringValue, case .object(let to)? = details["to"] else { return nil }
        id = event.item
        queuedEventId = event.id
        channel = event.channel
        self.to = Author(email: to["email"]?.stringValue, phone: to["phone"]?.stringValue, handle: to["handle"]?.stringValue)
        customer = details["customer"]?.stringValue
        self.text = text
        subject = details["subject"]?.stringValue
        thread = ThreadReference(json: details["thread"])
        source = details["source"]?.stringValue ?? "api"
        survey = SurveyRequest(json: details["survey"])
        queuedAt = event.time
        nextAttemptAt = event.time
    }

    /// Folds a later event in.
    mutating func apply(_ event: OutboxEvent) {
        switch event.kind {
        case .attempted:
            state = .attempting
            attempts = event.details["attempt"]?.intValue ?? attempts + 1
            totalAttempts += 1
        case .sent:
            state = .sent
            providerId = event.details["providerId"]?.stringValue
            sentAt = event.time
        case .retried:
            state = .queued
            lastError = event.details["error"]?.stringValue
            nextAttemptAt = event.details["nextAttemptAt"]?.dateValue ?? event.time
        case .deadLettered:
            state = .deadLettered
            lastError = event.details["error"]?.stringValue ?? lastError
            deadReason = event.details["reason"]?.stringValue
        case .requeued:
            guard state == .deadLettered else { return }
            state = .queued
            attempts = 0
            nextAttemptAt = event.time
            deadReason = nil
        default:
            break
        }
    }
}

/// A survey an outbox message carries: its id and who answers it, as the reply's author
/// will be resolved.
public struct SurveyRequest: Sendable, Equatable {
    public var id: String
    public var customer: CustomerReference

    public init(id: String, customer: CustomerReference) {
        self.id = id
        self.customer = customer
    }

    var json: JSONValue { ["id": .string(id), "customer": ["id": .string(customer.id), "provisional": .bool(customer.provisional)]] }

    init?(json: JSONValue?) {
        guard case .object(let object)? = json, let id = object["id"]?.stringValue, case .object(let customer)? = object["customer"],
            let customerId = customer["id"]?.stringValue
        else { return nil }
        self.init(id: id, customer: CustomerReference(id: customerId, provisional: customer["provisional"] == .bool(true)))
    }

    /// The prompt a sent survey becomes.
    public func prompt(id eventId: String, channel: String, to: Author, sentAt: Date) -> SurveyPrompt {
        SurveyPrompt(id: eventId, customer: customer, channel: channel, survey: id, sentAt: sentAt, to: to)
    }
}

/// The outbox: every outgoing message, and per recipient the queue of those not done yet.
/// The state of the outbox projection, fed in log order.
public struct OutboxBook: Sendable {
    public private(set) var items: [String: OutboxItem] = [:]
    /// Recipient → ids not yet sent or dead, in queue order. Only the head may go out.
    private var queues: [String: Deque<String>] = [:]

    public init() {}

    /// Folds an event in.
    public mutating func apply(_ event: OutboxEvent) {
        if event.kind == .queued {
            guard items[event.item] == nil, let item = OutboxItem(queued: event) else { return }
            items[item.id] = item
            queues[item.recipientKey, default: []].append(item.id)
            return
        }
        guard var item = items[event.item] else { return }
        let before = item.state
        item.apply(event)
        items[item.id] = item
        let key = item.recipientKey
        if [.sent, .deadLettered].contains(item.state) {
            // Done, or set aside: the recipient's next message may go.
            queues[key]?.removeAll { $0 == item.id }
            if queues[key]?.isEmpty == true { queues[key] = nil }
        } else if before == .deadLettered, item.state == .queued {
            queues[key, default: []].append(item.id)
        }
    }

    /// The messages of a channel whose turn has come at `now`: each recipient's head, if it
    /// is queued and due. Oldest first.
    public func ready(channel: String, now: Date) -> [OutboxItem] {
        queues.values.compactMap { queue in queue.first.flatMap { items[$0] } }
            .filter { $0.channel == channel && $0.state == .queued && $0.nextAttemptAt <= now }
            .sorted { ($0.nextAttemptAt, $0.queuedAt, $0.id) < ($1.nextAttemptAt, $1.queuedAt, $1.id) }
    }

    /// When a channel's next queued head is due, if any.
    public func nextAttempt(channel: String) -> Date? {
        queues.values.compactMap { queue in queue.first.flatMap { items[$0] } }
            .filter { $0.channel == channel && $0.state == .queued }.map(\.nextAttemptAt).min()
    }

    /// Messages handed to a provider whose outcome was never stored: after a restart, these
    /// are in doubt.
    public func attempting(channel: String) -> [OutboxItem] {
        items.values.filter { $0.channel == channel && $0.state == .attempting }
    }
}
