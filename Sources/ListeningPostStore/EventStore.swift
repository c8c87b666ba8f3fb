import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The one front door to the log: opens the configured backend, replays every registered
/// projection before anything can append, hands each commit to the projections in the
/// order they were registered and then to the stream hub, and answers for the log's health,
/// its leases and its retention. Nothing outside it needs to know which backend runs.
public final class EventStore: Sendable {
    /// The durable log.
    public let log: any DurableEventLog
    /// Live fan-out of committed events to subscribers.
    public let hub: StreamHub
    /// With a shared log: the leases that keep each exclusive source on one gateway; `nil`
    /// when this process is the only writer and so holds every lease.
    public let leases: LeaseKeeper?
    /// The projections, in the order each commit reaches them.
    public let projections: [any Projection]

    private init(log: any DurableEventLog, hub: StreamHub, leases: LeaseKeeper?, projections: [any Projection]) {
        self.log = log
        self.hub = hub
        self.leases = leases
        self.projections = projections
    }

    /// Opens `backend`, then replays each projection's stream into it. If a replay fails
    /// the log is closed and the error thrown: a gateway never starts on half its state.
    /// - Parameters:
    ///   - projections: fed every commit in this order, before the hub publishes it, so a
    ///     subscriber told of an event can ask the API about it.
    ///   - followUps: plans, inside each transaction, what newly stored events cause.
    ///   - onLeaseChange: counts lease changes (a shared log only).
    public static func open(
        _ backend: StoreBackend,
        projections: [any Projection] = [],
        followUps: (any FollowUpPlanner)? = nil,
        logger: Logger,
        appendLatency: @escaping @Sendable (Duration) -> Void = { _ in },
        onLeaseChange: @escaping @Sendable (LeaseKeeper.Change) -> Void = { _ in }
    ) async throws -> EventStore {
        let fanOut = CommitFanOut(projections: projections)
        let hooks = StoreBackend.Hooks(onCommit: { fanOut.deliver($0) }, appendLatency: appendLatency, followUps: followUps)
        let log = try await backend.open(hooks, logger)
        logger.info("event log: \(backend.description)")
        // The hub reads the log to catch subscribers up, and the log's commits feed the hub:
        // it is attached once the log is open, before anything appends.
        let hub = StreamHub(log: log)
        fanOut.attach(hub)
        do {
            var replayed: [String: Int64] = [:]
            for projection in projections {
                replayed[projection.stream] = try await projection.rebuild(from: log, logger: logger)
            }
            // Other gateways may have committed since the log opened: what the replays read is
            // not handed on again when the log catches up.
            log.replayed(replayed)
        } catch {
            await log.close()
            throw error
        }
        let leases = log.sharedLeases.map { LeaseKeeper(store: $0.store, ttl: $0.ttl, logger: logger, onChange: onLeaseChange) }
        return EventStore(log: log, hub: hub, leases: leases, projections: projections)
    }

    /// The service that deletes old messages under `policy`, when the backend supports
    /// retention; `nil` otherwise (`check` refuses retention where it is unsupported).
    public func retention(
        _ policy: RetentionPolicy,
        logger: Logger,
        metricsFactory: any MetricsFactory,
        pushCursors: @escaping @Sendable () -> [(stream: String, cursorKey: String)]
    ) -> (any Service)? {
        log.retentionService(policy: policy, logger: logger, metricsFactory: metricsFactory, pushCursors: pushCursors)
    }
}

/// Hands each commit to the projections, then to the hub once it is attached.
private final class CommitFanOut: Sendable {
    let projections: [any Projection]
    private let hub = Mutex<StreamHub?>(nil)

    init(projections: [any Projection]) {
        self.projections = projections
    }

    func attach(_ hub: StreamHub) {
        self.hub.withLock { $0 = hub }
    }

    func deliver(_ entries: [StreamEntry]) {
        for projection in projections { projection.committed(entries) }
        hub.withLock { $0 }?.publish(entries)
    }
}
