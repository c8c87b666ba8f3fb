import ListeningPostCore
import ListeningPostStore
import ServiceLifecycle

/// Runs a service on one gateway at a time: waits for its lease, runs the service under it,
/// and when the lease moves on (this gateway was paused or cut off past the TTL) stops the
/// service and stands by to take the lease again. A graceful shutdown ends the service and
/// releases the lease, so another gateway takes over within a second.
///
/// The wrapped service must run again after it returns or is cancelled, as every adapter
/// supervisor, outbox sender, push subscriber and the case timers do.
final class LeasedService: Service, Sendable {
    /// The lease's name: the fleet key (`channel:…`, `sender:…`, `push:…`) or `case-timers`.
    let name: String
    let inner: any Service
    private let keeper: LeaseKeeper

    init(name: String, inner: any Service, keeper: LeaseKeeper) {
        self.name = name
        self.inner = inner
        self.keeper = keeper
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let lease: HeldLease
            do {
                lease = try await cancelWhenGracefulShutdown { try await self.keeper.acquire(self.name) }
            } catch {
                return  // shut down while standing by
            }
            do {
                try await keeper.run(under: lease) { try await self.inner.run() }
                return
            } catch is LeaseLost {
                continue
            }
        }
    }
}

extension Service {
    /// The service itself, or the one a ``LeasedService`` wraps.
    var unleased: any Service { (self as? LeasedService)?.inner ?? self }
}
