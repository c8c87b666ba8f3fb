import Synchronization

/// A lease this gateway holds now: the right to run one exclusive source (a mailbox, a push
/// subscriber, an outbox sender, the case timers) until it expires or another gateway takes
/// it over.
///
/// Work done under a lease runs with it as ``current``, a task-local, so every append that
/// work makes carries the lease's epoch without any adapter knowing: the shared log refuses
/// an append whose epoch has moved on (a gateway that was paused past the TTL and woke up).
public final class HeldLease: Sendable {
    /// The lease's name, e.g. `channel:support-mailbox`.
    public let name: String
    /// Bumped at every takeover; the fence appends carry.
    public let epoch: Int64
    /// Renewed-until, by this gateway's monotonic clock: the lease is surely still ours
    /// before it (renewal started before the database extended it).
    private let validUntil: Mutex<ContinuousClock.Instant>

    /// The lease the current task works under, if any.
    @TaskLocal public static var current: HeldLease?

    public init(name: String, epoch: Int64, validUntil: ContinuousClock.Instant) {
        self.name = name
        self.epoch = epoch
        self.validUntil = Mutex(validUntil)
    }

    /// Whether the lease has surely not expired: while a renewal fails, the keeper keeps
    /// trying until this turns false. (Side effects need no check of their own: the outbox
    /// commits each attempt, fenced, before calling the provider.)
    public var isLive: Bool { ContinuousClock.now < validUntil.withLock { $0 } }

    /// Moves the deadline after a renewal that started at `start`.
    func extend(to instant: ContinuousClock.Instant) {
        validUntil.withLock { $0 = max($0, instant) }
    }
}

/// A lease that moved on to another gateway (or expired unrenewed) while work ran under it.
public struct LeaseLost: Error, CustomStringConvertible {
    public var name: String
    public init(name: String) { self.name = name }
    public var description: String { "the lease \(name) moved on to another gateway; this gateway stopped running it" }
}
