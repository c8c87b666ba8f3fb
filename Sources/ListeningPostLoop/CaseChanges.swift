import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// The rules of a change someone who works a case asks for (assign, a response, resolve):
/// the case events it makes, and, when it resolves the case on a channel that can send, the
/// customer's confirmation question as an outbox message committed with them, so the
/// question is queued exactly when the case is resolved. Throws the exact ``HTTPProblem``
/// for a change it refuses; the route only translates.
public struct CaseChanges: Sendable {
    let projection: CaseProjection
    let log: any EventLog
    /// Where the confirmation question goes out, when the case's preferred channel can send.
    let addressing: OutboxAddressing
    let router: EventRouter
    let suppressions: SuppressionList
    let ids = EventIDGenerator()

    /// Creates the rules over these parts.
    public init(projection: CaseProjection, log: any EventLog, addressing: OutboxAddressing, router: EventRouter, suppressions: SuppressionList) {
        self.projection = projection
        self.log = log
        self.addressing = addressing
        self.router = router
        self.suppressions = suppressions
    }

    /// Applies `command` to the case, once per idempotency key, and returns the receipts of
    /// what it committed (duplicates when the key was used before).
    public func apply(_ command: CaseCommand, to record: CaseRecord, by: String, idempotencyKey key: String) async throws -> [IngestReceipt] {
        let planned: [PlannedCaseEvent]
        let customer = record.subject.customer.flatMap { router.directory.customer(id: $0.id) }
        do {
            planned = try command.events(
                for: record,
                settings: projection.settings,
                by: by,
                idempotencyKey: key,
                now: Date(),
                ids: ids,
                customer: customer
            )
        } catch {
            throw HTTPProblem(
                status: error.status,
                slug: error.status == 409 ? "case-state" : "malformed",
                title: error.status == 409 ? "Conflict" : "Bad Request",
                detail: error.description
            )
        }
        var events = planned.map { CaseProjection.prepared($0.event, dedupKey: $0.dedupKey) }
        if case .resolve = command, let question = planned.lazy.compactMap({ $0.event.details["question"]?.stringValue }).first,
            let send = confirmationSend(record, question: question, customer: customer, key: key)
        {
            events.append(send)
        }
        do {
            return try await log.append(AppendRequest(channel: CaseEvent.logChannel, events: events))
        } catch {
            throw HTTPProblem.unavailable("the change could not be stored; retry with the same Idempotency-Key")
        }
    }

    /// The confirmation question as an outbox message on the case's preferred channel (or,
    /// for a case opened by a phone call, an SMS channel to the caller's number), when that channel can send and the customer has an address
    /// there; committed with the
    /// resolution, so the question is queued exactly when the case is resolved. Otherwise the
    /// `confirmation_requested` event is for a downstream sender.
    private func confirmationSend(_ record: CaseRecord, question: String, customer: Customer?, key: String) -> PreparedEvent? {
        var given = Author()
        if record.preferredChannel == record.subject.channel {
            given = Author(
                email: record.replyTo["email"]?.stringValue,
                phone: record.replyTo["phone"]?.stringValue,
                handle: record.replyTo["handle"]?.stringValue
            )
        }
        var asked = record.preferredChannel
        // A case opened by a call (a voicemail, a missed call) is not confirmed on the phone
        // line (even one that places calls, the "yes" is a text reply): it is asked where the
        // caller's number is reached, an SMS channel, before the preferred one.
        if addressing.phoneLines.contains(record.subject.channel),
            let phone = record.replyTo["phone"]?.stringValue,
            let sms = addressing.sendingChannels.filter({ $0.value == "sms" }).keys.sorted().first
        {
            asked = sms
            given = Author(phone: phone)
        }
        guard let (channel, to) = try? addressing.resolve(channel: asked, to: given, customer: customer) else { return nil }
        // A customer who opted out is not asked.
        if suppressions.suppression(for: to) != nil { return nil }
        let event = OutboxAddressing.queued(
            id: ids.next(),
            channel: channel,
            to: to,
            customer: record.subject.customer?.id,
            text: question,
            subject: nil,
            source: "case:\(record.subject.id)",
            now: Date(),
            ids: ids,
            thread: channel == record.subject.channel ? record.thread : nil
        )
        // Under the case's log channel: the dedup key names the case and cycle it belongs to.
        return OutboxProjection.prepared(event, dedupKey: "case:\(record.subject.id):confirmation-send:\(record.subject.cycle):\(key)")
    }
}
