import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import Synchronization

/// The outbox projection: the ``OutboxBook`` behind the senders and `GET /v1/outbox`.
/// Rebuilt at start by replaying the `outbox` stream, kept current by folding committed
/// outbox events (``committed(_:)``, called by the log in commit order).
public final class OutboxProjection: Projection, Sendable {
    private let book = Mutex(OutboxBook())
    /// One per sender, each signalled when a fold queues something, so every sender wakes.
    private let wakeups = Mutex<[Wakeup]>([])

    public init() {}

    /// A queued message ready for the log, on `outbox` and `all`.
    public static func prepared(_ event: OutboxEvent, dedupKey: String) -> PreparedEvent {
        PreparedEvent(id: event.id, dedupKey: dedupKey, payload: event.jsonBytes(), streams: [RoutingRules.firehose, OutboxEvent.stream])
    }

    /// Folds the outbox events among committed entries.
    public func committed(_ entries: [StreamEntry]) {
        var queued = false
        book.withLock { book in
            for entry in entries where entry.stream == OutboxEvent.stream {
                guard let event = OutboxEvent(event: entry.payload) else { continue }
                book.apply(event)
                if [.queued, .retried, .requeued].contains(event.kind) { queued = true }
            }
        }
        if queued { for wakeup in wakeups.withLock({ $0 }) { wakeup.signal() } }
    }

    /// A wake-up of its own for one sender (a ``Wakeup`` has one waiter).
    func makeWakeup() -> Wakeup {
        let wakeup = Wakeup()
        wakeups.withLock { $0.append(wakeup) }
        return wakeup
    }

    public var stream: String { OutboxEvent.stream }

    public func rebuiltSummary(events: Int64) -> String {
        let (count, waiting) = book.withLock { book in
            (book.items.count, book.items.values.filter { $0.state == .queued || $0.state == .attempting }.count)
        }
        return "outbox rebuilt: \(count) message(s), \(waiting) still to send, from \(events) event(s)"
    }

    /// Reads the book under the projection's lock.
    public func read<T>(_ body: (borrowing OutboxBook) -> T) -> T {
        book.withLock { body($0) }
    }
}
