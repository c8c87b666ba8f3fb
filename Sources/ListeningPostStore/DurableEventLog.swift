import Logging
import Metrics
import ServiceLifecycle

/// A log the gateway runs: an ``EventLog`` that is also the service committing its appends.
/// ``SQLiteEventLog`` (one gateway) and `PostgresEventLog` (several) are the two; the
/// ``EventStore`` asks them, through this protocol, for all it needs to know of either.
public protocol DurableEventLog: EventLog, Service {
    /// Transactions committed since open; with group commit, fewer than the appends.
    var committedTransactions: Int { get }
    /// Whether the last commit succeeded and the log still accepts writes.
    var isWritable: Bool { get }
    /// Closes the log without running it (a failed start, a test).
    func close() async
    /// Told, after the projections replayed, how far each stream was read, so a shared
    /// log does not hand those entries on again when it catches up with other writers.
    func replayed(_ heads: [String: Int64])
    /// Where the leases of a shared log live, and their TTL; `nil` when this process is the
    /// only writer.
    var sharedLeases: (store: any LeaseStore, ttl: Duration)? { get }
    /// What `/metrics` reports of the backend, read at scrape time.
    func measurements() async -> StoreMeasurements
    /// The service deleting old messages under `policy`, or `nil` where the backend has none.
    func retentionService(
        policy: RetentionPolicy,
        logger: Logger,
        metricsFactory: any MetricsFactory,
        pushCursors: @escaping @Sendable () -> [(stream: String, cursorKey: String)]
    ) -> (any Service)?
}

extension DurableEventLog {
    public func replayed(_ heads: [String: Int64]) {}
    public var sharedLeases: (store: any LeaseStore, ttl: Duration)? { nil }
    public func measurements() async -> StoreMeasurements { StoreMeasurements() }
    public func retentionService(
        policy: RetentionPolicy,
        logger: Logger,
        metricsFactory: any MetricsFactory,
        pushCursors: @escaping @Sendable () -> [(stream: String, cursorKey: String)]
    ) -> (any Service)? { nil }
}

/// What a backend reports for `/metrics`; each part only where the backend has it.
public struct StoreMeasurements: Sendable {
    /// The log's files on disk, in bytes (the embedded log; a database reports its own size).
    public var bytesOnDisk: Int?
    /// Each stream's oldest offset still kept (what retention left).
    public var oldestOffsets: [String: Int64] = [:]
    /// The pooled read connections of a shared log: in use, waited for, and in all.
    public var readConnections: (busy: Int, waiting: Int, size: Int)?

    /// Nothing measured.
    public init(bytesOnDisk: Int? = nil, oldestOffsets: [String: Int64] = [:], readConnections: (busy: Int, waiting: Int, size: Int)? = nil) {
        self.bytesOnDisk = bytesOnDisk
        self.oldestOffsets = oldestOffsets
        self.readConnections = readConnections
    }
}

extension SQLiteEventLog: DurableEventLog {
    public func measurements() async -> StoreMeasurements {
        StoreMeasurements(bytesOnDisk: Self.bytesOnDisk(directory: directory), oldestOffsets: streamRanges.mapValues(\.lowerBound))
    }

    public func retentionService(
        policy: RetentionPolicy,
        logger: Logger,
        metricsFactory: any MetricsFactory,
        pushCursors: @escaping @Sendable () -> [(stream: String, cursorKey: String)]
    ) -> (any Service)? {
        LogRetention(log: self, policy: policy, logger: logger, metricsFactory: metricsFactory, pushCursors: pushCursors)
    }
}
