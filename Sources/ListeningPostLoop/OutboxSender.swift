import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import ServiceLifecycle

/// Sends one channel's queued messages through its adapter, with the push subscriber's
/// discipline: in order per recipient (one in flight each), retried with backoff and
/// jitter on a retryable failure (honouring `Retry-After`), dead-lettered with the
/// provider's answer on a permanent one or after the last retry. Paced by the channel's
/// rate limit.
///
/// **Never twice.** Each attempt is committed (`attempted`) before the provider is called,
/// and its outcome after. A message found `attempted` without an outcome at start was
/// being handed over when the gateway stopped: the provider may or may not have it. It is
/// dead-lettered as `in_doubt` rather than sent again; an operator who knows it did not
/// arrive re-drives it. So a message is handed to a provider at most once per
/// (re)queueing, across restarts and `kill -9`.
public final class OutboxSender: Service, Sendable {
    /// The channel.
    public let channel: String
    private let sender: any ChannelSender
    private let projection: OutboxProjection
    private let log: any EventLog
    private let logger: Logger
    private let retrySchedule: [Duration]
    private let rateLimit: SendRateLimit?
    private let suppressions: SuppressionList?
    private let wakeup: Wakeup
    private let ids = EventIDGenerator()

    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h: about half a day, after which a
    /// message is stale for a customer anyway.
    public static let defaultRetrySchedule: [Duration] = OutboxSettings.defaultRetrySchedule

    public init(
        channel: String,
        sender: any ChannelSender,
        projection: OutboxProjection,
        log: any EventLog,
        logger: Logger,
        retrySchedule: [Duration] = OutboxSender.defaultRetrySchedule,
        rateLimit: SendRateLimit? = nil,
        suppressions: SuppressionList? = nil
    ) {
        self.suppressions = suppressions
        self.wakeup = projection.makeWakeup()
        self.channel = channel
        self.sender = sender
        self.projection = projection
        self.log = log
        var logger = logger
        logger[metadataKey: "channel"] = "\(channel)"
        self.logger = logger
        self.retrySchedule = retrySchedule
        self.rateLimit = rateLimit
    }

    public func run() async throws {
        // A send in flight at shutdown finishes and its outcome is stored; then it stops.
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        await setAsideSendsInDoubt()
        var lastSend: ContinuousClock.Instant?
        while !Task.isCancelled {
            let ready = projection.read { $0.ready(channel: channel, now: Date()) }
            guard !ready.isEmpty else {
                var wait = Duration.seconds(30)
                if let next = projection.read({ $0.nextAttempt(channel: channel) }) {
                    wait = min(wait, .milliseconds(Int64(max(0, next.timeIntervalSinceNow) * 1000) + 1))
                }
                await wakeup.wait(timeout: wait)
                continue
            }
            for item in ready {
                if let rateLimit, let lastSend {
                    let due = lastSend + rateLimit.interval
                    if due > .now { try? await Task.sleep(until: due) }
                }
                if Task.isCancelled { return }
                lastSend = .now
                await deliver(item)
            }
        }
    }

    /// Records, then sends, then records the outcome.
    private func deliver(_ item: OutboxItem) async {
        let attempt = item.attempts + 1
        // Suppressed after it was queued (the customer texted STOP meanwhile): never sent.
        if let (address, suppression) = suppressions?.suppression(for: item.to) {
            _ = await store(
                .deadLettered,
                item,
                [
                    "attempts": .number(Double(item.attempts)), "reason": "suppressed",
                    "error": .string("\(address) is suppressed (\(suppression.source) at \(RFC3339.string(from: suppression.time)))"),
                ],
                key: "outbox:\(item.id):dead:\(item.totalAttempts):suppressed",
                retrying: true
            )
            return
        }
        let total = projection.read { $0.items[item.id]?.totalAttempts ?? 0 } + 1
        // Stored already means another gateway (whose commit this one has not read yet)
        // made this very attempt: it owns the outcome, and sending again would send twice.
        guard
            await store(
                .attempted,
                item,
                ["attempt": .number(Double(attempt))],
                key: "outbox:\(item.id):attempted:\(total)",
                retrying: false,
                freshOnly: true
            )
        else {
            try? await Task.sleep(for: .seconds(1))
            return
        }
        do {
            let receipt = try await sender.send(item.outbound)
            // A survey becomes its prompt when it is sent, in the same commit: the reply
            // that answers it is read for a score from then on (the gateway hands committed
            // prompts to the router).
            let prompt = item.survey.map { survey in
                let prompt = survey.prompt(id: ids.next(), channel: channel, to: item.to, sentAt: Date())
                return PreparedEvent(
                    id: prompt.id,
                    dedupKey: "outbox:\(item.id):survey-sent",
                    payload: prompt.jsonBytes(receivedAt: prompt.sentAt),
                    streams: [RoutingRules.firehose, SurveyPrompt.stream]
                )
            }
            _ = await store(
                .sent,
                item,
                ["providerId": .string(receipt.providerId), "attempt": .number(Double(attempt))],
                key: "outbox:\(item.id):sent",
                retrying: true,
                with: prompt.map { [$0] } ?? []
            )
        } catch {
            if error.kind == .retryable, attempt <= retrySchedule.count {
                let base = retrySchedule[attempt - 1]
                let jittered = Double(base.components.seconds) * Double.random(in: 0.9...1.1)
                let wait = max(jittered, Double(error.retryAfter?.components.seconds ?? 0))
                let next = Date().addingTimeInterval(wait)
                logger.warning("send failed, retrying", metadata: ["item": "\(item.id)", "attempt": "\(attempt)", "error": "\(error.message)"])
                _ = await store(
                    .retried,
                    item,
                    ["attempt": .number(Double(attempt)), "error": .string(error.message), "nextAttemptAt": .time(next)],
                    key: "outbox:\(item.id):retried:\(total)",
                    retrying: true
                )
            } else {
                let reason = error.kind == .retryable ? "exhausted" : "permanent"
                logger.error("send dead-lettered", metadata: ["item": "\(item.id)", "reason": "\(reason)", "error": "\(error.message)"])
                _ = await store(
                    .deadLettered,
                    item,
                    ["attempts": .number(Double(attempt)), "error": .string(error.message), "reason": .string(reason)],
                    key: "outbox:\(item.id):dead:\(total)",
                    retrying: true
                )
            }
        }
    }

    /// Dead-letters, as `in_doubt`, every message that was being handed over when the
    /// gateway last stopped.
    private func setAsideSendsInDoubt() async {
        for item in projection.read({ $0.attempting(channel: channel) }) {
            let total = projection.read { $0.items[item.id]?.totalAttempts ?? 0 }
            logger.warning("a send was in flight when the gateway stopped; dead-lettered as in doubt", metadata: ["item": "\(item.id)"])
            _ = await store(
                .deadLettered,
                item,
                [
                    "attempts": .number(Double(item.attempts)), "reason": "in_doubt",
                    "error":
                        "the gateway stopped while handing this message to the provider, which may or may not have it; re-drive it to send it again",
                ],
                key: "outbox:\(item.id):dead:\(total)",
                retrying: true
            )
        }
    }

    /// Appends one event. An outcome (`retrying`) is retried until stored: it is known, and
    /// losing it would make the send look in doubt. With `freshOnly`, an event that was
    /// stored before (its dedup key taken) counts as not stored.
    private func store(
        _ kind: OutboxEvent.Kind,
        _ item: OutboxItem,
        _ details: [String: JSONValue],
        key: String,
        retrying: Bool,
        freshOnly: Bool = false,
        with others: [PreparedEvent] = []
    ) async -> Bool {
        let event = OutboxEvent(id: ids.next(), kind: kind, time: Date(), item: item.id, channel: channel, details: details)
        while true {
            do {
                let receipts = try await log.append(
                    AppendRequest(channel: OutboxEvent.logChannel, events: [OutboxProjection.prepared(event, dedupKey: key)] + others)
                )
                return !(freshOnly && receipts.first?.duplicate == true)
            } catch {
                logger.error("could not store the outbox event", metadata: ["kind": "\(kind.rawValue)", "error": "\(error)"])
                guard retrying, !Task.isCancelled else { return false }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
