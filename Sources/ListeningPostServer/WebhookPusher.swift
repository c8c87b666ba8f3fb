import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import Metrics
import ServiceLifecycle

/// Pushes one stream to one subscriber's URL as signed webhooks, in order, at least once.
///
/// - **Order.** One event at a time: the next is not sent until the current one was taken
///   (2xx) or dead-lettered, so nothing overtakes a retry.
/// - **Retries.** After a failure (a non-2xx, a timeout, no connection) the pusher waits
///   the next step of `retry_schedule` (±10% jitter) and tries again; after the last step
///   the event goes to the subscriber's dead letters, committed together with the cursor
///   moving past it.
/// - **Durable cursor.** Committed after each batch of deliveries; a crash in between sends
///   some events again, which the receiver recognises by `webhook-id` (the event id).
/// - **Isolation.** It reads committed entries from the hub like any subscriber and never
///   blocks ingest; a dead receiver costs one sleeping task.
public final class WebhookPusher: Service {
    /// The subscriber.
    public let subscriber: SubscriberDeclaration
    let push: PushSettings
    let hub: StreamHub
    let log: any EventLog
    let http: any OutboundHTTPClient
    let logger: Logger
    let signer: StandardWebhooks
    let request: HTTPRequest
    let sleep: @Sendable (Duration) async throws -> Void
    let outcomes: (delivered: Counter, retried: Counter, deadLettered: Counter)
    /// Events per read, and per cursor commit.
    let batchSize = 64

    /// The cursor's key in the log.
    public var cursorKey: String { "push:\(subscriber.name)" }

    /// Creates a pusher; the subscriber must have `webhook` settings.
    public init(
        subscriber: SubscriberDeclaration,
        hub: StreamHub,
        log: any EventLog,
        http: any OutboundHTTPClient,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) throws {
        guard let push = subscriber.push, let url = URL(string: push.url), url.scheme != nil, url.host != nil else {
            throw PushFailure(description: "subscriber \(subscriber.name) has no valid webhook URL")
        }
        self.subscriber = subscriber
        self.push = push
        self.hub = hub
        self.log = log
        self.http = http
        var logger = logger
        logger[metadataKey: "subscriber"] = "\(subscriber.name)"
        self.logger = logger
        self.signer = try StandardWebhooks(secrets: [push.secret.value])
        self.request = HTTPRequest(method: .post, url: url)
        self.sleep = sleep
        func counter(_ outcome: String) -> Counter {
            Counter(
                label: "listening_post_push_deliveries_total",
                dimensions: [("subscriber", subscriber.name), ("outcome", outcome)],
                factory: metricsFactory
            )
        }
        self.outcomes = (counter("delivered"), counter("retried"), counter("dead_lettered"))
    }

    public func run() async throws {
        // A pusher never takes the gateway down: a failed read or cursor commit is logged
        // and retried from the committed cursor (at-least-once), and shutdown just stops it.
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await self.deliverForever()
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                    let wait = Backoff(initial: .seconds(1), maximum: .seconds(60)).delay(afterFailures: failures)
                    self.logger.error("push stopped; resuming from the committed cursor in \(wait)", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: wait)
                }
            }
        }
    }

    private func deliverForever() async throws {
        var cursor = try await log.cursor(subscriber: cursorKey) ?? 0
        logger.info("pushing stream \(push.stream) to \(push.url) after offset \(cursor)")
        while !Task.isCancelled {
            let entries = try await hub.entries(stream: push.stream, after: cursor, limit: batchSize)
            if entries.isEmpty {
                _ = await hub.waitForEntries(stream: push.stream, after: cursor, timeout: .seconds(30))
                continue
            }
            var delivered: Int64?
            for entry in entries {
                if let letter = try await deliverWithRetries(entry) {
                    // Dead-lettered: commit it with the cursor moving past it, in one
                    // transaction, so it is neither lost nor retried forever.
                    _ = try await log.append(AppendRequest(channel: "", events: [], cursors: [cursorKey: entry.offset], deadLetters: [letter]))
                    delivered = nil
                } else {
                    delivered = entry.offset
                }
                cursor = entry.offset
            }
            if let delivered {
                _ = try await log.append(AppendRequest(channel: "", events: [], cursors: [cursorKey: delivered]))
            }
        }
    }

    /// Delivers one entry, retrying on the schedule. Returns the dead letter when every
    /// attempt failed; throws only when cancelled.
    private func deliverWithRetries(_ entry: StreamEntry) async throws -> DeadLetter? {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await deliver(eventId: entry.eventId, payload: entry.payload)
                outcomes.delivered.increment()
                return nil
            } catch let error as CancellationError {
                throw error
            } catch {
                guard attempt <= push.retrySchedule.count else {
                    outcomes.deadLettered.increment()
                    logger.error(
                        "giving up on event \(entry.eventId) (offset \(entry.offset)) after \(attempt) attempts; it is in the dead letters",
                        metadata: ["error": "\(error)"]
                    )
                    return DeadLetter(
                        subscriber: subscriber.name,
                        stream: push.stream,
                        offset: entry.offset,
                        eventId: entry.eventId,
                        attempts: attempt,
                        lastError: "\(error)",
                        deadAt: Date()
                    )
                }
                outcomes.retried.increment()
                let wait = Self.jittered(push.retrySchedule[attempt - 1])
                logger.warning("delivery of event \(entry.eventId) failed (attempt \(attempt)); retrying in \(wait)", metadata: ["error": "\(error)"])
                try await sleep(wait)
            }
        }
    }

    /// One attempt: POST the CloudEvent, signed. Throws unless the answer is 2xx.
    public func deliver(eventId: String, payload: [UInt8]) async throws {
        var request = self.request
        let timestamp = Int(Date().timeIntervalSince1970)
        request.headerFields[.contentType] = "application/cloudevents+json"
        request.headerFields[HTTPField.Name("webhook-id")!] = eventId
        request.headerFields[HTTPField.Name("webhook-timestamp")!] = String(timestamp)
        request.headerFields[HTTPField.Name("webhook-signature")!] = signer.signature(id: eventId, timestamp: timestamp, body: payload)
        request.headerFields[.userAgent] = "listening-post"
        let response = try await http.send(request, body: payload, timeout: push.timeout, maxResponseSize: 64 * 1024)
        guard (200..<300).contains(response.head.status.code) else {
            throw PushFailure(description: "\(push.url) answered \(response.head.status.code)")
        }
    }

    /// ±10%, so many subscribers failing together do not retry in lockstep.
    static func jittered(_ duration: Duration) -> Duration {
        duration * Double.random(in: 0.9...1.1)
    }
}

/// A receiver that did not take a delivery.
struct PushFailure: Error, CustomStringConvertible {
    let description: String
}
