import Foundation
import Logging
import Synchronization

/// Takes, renews and lets go of this gateway's leases, so each exclusive source runs on
/// exactly one gateway at a time.
///
/// Timing, with `ttl` T: a lease is renewed every T/3, so two renewals may fail before it
/// lapses; a gateway waiting for a lease tries every ``retryInterval``. A gateway that
/// crashes hands over after at most T + one retry; one that shuts down cleanly releases its
/// leases, and the next try (within ``retryInterval``) takes them.
///
/// The database's clock decides expiry. This gateway's own monotonic clock only decides
/// when it stops trusting a lease it could not renew (``HeldLease/isLive``): a renewal is
/// counted from the moment it was sent, so the local deadline is never later than the
/// database's.
public final class LeaseKeeper: Sendable {
    /// What `/readyz` shows for one lease.
    public enum Standing: Sendable, Equatable {
        /// Another gateway holds it; this one tries again every ``retryInterval``.
        case standby
        case held(epoch: Int64)
    }

    /// A change, for the metrics.
    public enum Change: String, Sendable {
        case acquired, lost, released
    }

    /// Names this gateway in the lease table: host, pid and a random part.
    public let holder: String
    public let ttl: Duration
    public let retryInterval: Duration
    private let store: any LeaseStore
    private let logger: Logger
    private let standings = Mutex<[String: Standing]>([:])
    private let onChange: @Sendable (Change) -> Void

    public init(store: any LeaseStore, ttl: Duration, logger: Logger, onChange: @escaping @Sendable (Change) -> Void = { _ in }) {
        self.store = store
        self.ttl = ttl
        self.retryInterval = min(ttl / 3, .seconds(1))
        self.logger = logger
        self.onChange = onChange
        self.holder = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8).lowercased())"
    }

    private var renewInterval: Duration { ttl / 3 }

    /// Each lease this gateway runs or waits for, by name.
    public var standingByName: [String: Standing] { standings.withLock { $0 } }

    /// Waits until this gateway holds `name`. Throws `CancellationError` if cancelled first.
    public func acquire(_ name: String) async throws -> HeldLease {
        standings.withLock { $0[name] = .standby }
        var reported = false
        while true {
            try Task.checkCancellation()
            let start = ContinuousClock.now
            do {
                if let epoch = try await store.acquire(name, holder: holder, ttl: ttl) {
                    standings.withLock { $0[name] = .held(epoch: epoch) }
                    onChange(.acquired)
                    logger.info("lease acquired", metadata: ["lease": "\(name)", "epoch": "\(epoch)"])
                    return HeldLease(name: name, epoch: epoch, validUntil: start + ttl)
                }
                if !reported {
                    logger.info("lease held by another gateway; standing by", metadata: ["lease": "\(name)"])
                    reported = true
                }
            } catch {
                if Task.isCancelled { throw CancellationError() }
                logger.warning("cannot reach the lease table; retrying", metadata: ["lease": "\(name)", "error": "\(store.describe(error))"])
            }
            try await Task.sleep(for: retryInterval)
        }
    }

    /// Runs `body` under `lease`, renewing it. If the lease moves on (or cannot be renewed
    /// before it lapses) `body` is cancelled and ``LeaseLost`` thrown; when `body` returns or
    /// throws, the lease is released.
    public func run<T: Sendable>(under lease: HeldLease, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error> = await withTaskGroup(of: Result<T, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await HeldLease.$current.withValue(lease) { try await body() }) } catch { return .failure(error) }
            }
            group.addTask {
                await self.keepRenewing(lease)
                return Task.isCancelled ? nil : .failure(LeaseLost(name: lease.name))
            }
            var outcome: Result<T, any Error> = .failure(CancellationError())
            if let first = await group.next(), let result = first { outcome = result }
            group.cancelAll()
            return outcome
        }
        if case .failure(let error) = outcome, error is LeaseLost {
            standings.withLock { $0[lease.name] = .standby }
            onChange(.lost)
            logger.warning("lease lost; stopped its work", metadata: ["lease": "\(lease.name)", "epoch": "\(lease.epoch)"])
        } else {
            await release(lease)
        }
        return try outcome.get()
    }

    /// Renews until the lease is lost: returns then, or when cancelled.
    private func keepRenewing(_ lease: HeldLease) async {
        var wait = renewInterval
        while !Task.isCancelled {
            try? await Task.sleep(for: wait)
            if Task.isCancelled { return }
            let start = ContinuousClock.now
            do {
                guard try await store.renew(lease.name, holder: holder, epoch: lease.epoch, ttl: ttl) else { return }
                lease.extend(to: start + ttl)
                wait = renewInterval
            } catch {
                if Task.isCancelled { return }
                // Unreachable: keep trying, faster, while the lease may still be ours.
                guard lease.isLive else { return }
                logger.warning("lease renewal failed; retrying", metadata: ["lease": "\(lease.name)", "error": "\(store.describe(error))"])
                wait = min(renewInterval, .seconds(1))
            }
        }
    }

    private func release(_ lease: HeldLease) async {
        standings.withLock { $0[lease.name] = nil }
        do {
            try await store.release(lease.name, holder: holder, epoch: lease.epoch)
            onChange(.released)
            logger.info("lease released", metadata: ["lease": "\(lease.name)"])
        } catch {
            logger.warning(
                "could not release a lease; it lapses after its TTL",
                metadata: ["lease": "\(lease.name)", "error": "\(store.describe(error))"]
            )
        }
    }
}
