import ListeningPostKit
import Logging
import Metrics
import NIOCore
import Synchronization

/// `server.max_connections`: connections beyond it are closed as soon as they are
/// accepted, with a log line (throttled) and `listening_post_http_connections_refused_total`,
/// so a flood of clients cannot use up the process's file descriptors while those already
/// connected (SSE subscribers among them) keep working. Counted from the moment a
/// connection is set up to its close, whatever it becomes (HTTP, SSE or WebSocket).
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)
    private let gauge: Meter
    private let refused: Counter
    private let throttle = LogThrottle(burst: 1, per: .seconds(10))
    private let logger: Logger

    init(maximum: Int, factory: any MetricsFactory, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
        gauge = Meter(label: "listening_post_http_connections", factory: factory)
        refused = Counter(label: "listening_post_http_connections_refused_total", factory: factory)
    }

    /// Counts a new connection, and closes it when it is one too many.
    func opened(_ channel: any Channel) {
        let count = open.add(1, ordering: .relaxed).newValue
        gauge.set(Double(count))
        channel.closeFuture.whenComplete { _ in
            let count = self.open.subtract(1, ordering: .relaxed).newValue
            self.gauge.set(Double(count))
        }
        guard count > maximum else { return }
        refused.increment()
        let decision = throttle.decide()
        if decision.write {
            logger.warning(
                "connection refused: \(maximum) connections are open (server.max_connections)",
                metadata: decision.suppressedBefore > 0 ? ["suppressed": "\(decision.suppressedBefore)"] : [:]
            )
        }
        channel.close(promise: nil)
    }
}
