import Foundation
import ListeningPostKit
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// The embedded default log: SQLite in WAL mode with `synchronous=FULL`, so a commit is on
/// disk before `append` returns.
///
/// **Group commit.** Appends queue up while a transaction is being written; the writer then
/// takes everything queued (up to ``maxBatchEvents``) into the next transaction, so
/// concurrent appends share one transaction and one fsync.
///
/// **Dedup.** `UNIQUE(channel, dedup_key)` plus `INSERT … ON CONFLICT DO NOTHING RETURNING`
/// in the same transaction that would store the event; repeats inside one batch are caught
/// before SQLite sees them.
///
/// Run it as a `Service`: appends are committed while `run()` is running, and a graceful
/// shutdown commits everything already queued before `run()` returns.
public final class SQLiteEventLog: EventLog, Service {
    /// Most events one transaction carries.
    public let maxBatchEvents = 512

    let writer: SQLiteConnection
    /// One thread for the writer: its connection's futures complete there, and the commit
    /// loop runs there (see ``EventLoopTaskExecutor``).
    private let writerThread: MultiThreadedEventLoopGroup
    private let writerExecutor: EventLoopTaskExecutor
    private let writerPool: NIOThreadPool
    let reader: SQLiteConnection
    private let lock: DataDirectoryLock
    /// The data directory it keeps its files in.
    public var directory: String { lock.directory }
    let logger: Logger
    private let onCommit: @Sendable ([StreamEntry]) -> Void
    private let followUps: (any FollowUpPlanner)?
    let state: Mutex<State>
    private let wakeups: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    private let appendLatency: @Sendable (Duration) -> Void

    /// A deletion of a stream's oldest entries (``deleteEntries(stream:through:)``), run by
    /// the commit loop between two commits so it never holds the write lock for long.
    struct Pruning {
        var stream: String
        var through: Int64
        var continuation: CheckedContinuation<PruneResult, any Error>
    }

    struct State {
        var pending: [PendingAppend] = []
        var pruning: [Pruning] = []
        var accepting = true
        var nextSeq: Int64 = 1
        var heads: [String: Int64] = [:]
        /// The oldest offset each stream still has; 1 until retention deletes anything.
        var oldest: [String: Int64] = [:]
        var healthy = true
        var transactions = 0
    }

    /// Opens (creating if needed) `<directory>/events.sqlite`.
    /// - Parameters:
    ///   - onCommit: called in commit order with the new stream entries, after the commit
    ///     and before any `append` of that batch returns.
    ///   - appendLatency: observes the time from enqueue to commit of each append.
    ///   - followUps: derives further events inside each transaction (the case planner).
    public static func open(
        directory: String,
        logger: Logger,
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void = { _ in },
        appendLatency: @escaping @Sendable (Duration) -> Void = { _ in },
        followUps: (any FollowUpPlanner)? = nil
    ) async throws -> SQLiteEventLog {
        let lock = try DataDirectoryLock(directory: directory)
        let path = (directory as NSString).appendingPathComponent("events.sqlite")
        let threadPool = NIOThreadPool.singleton
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let writerThread = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // The writer's statements run one after another, so one blocking thread of its own
        // serves them all and stays warm between them.
        let writerPool = NIOThreadPool(numberOfThreads: 1)
        writerPool.start()
        let writer: SQLiteConnection
        do {
            writer = try await SQLiteConnection.open(storage: .file(path: path), threadPool: writerPool, logger: logger, on: writerThread.next())
        } catch {
            try? await writerPool.shutdownGracefully()
            try? await writerThread.shutdownGracefully()
            throw error
        }
        let reader: SQLiteConnection
        do {
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"] {
                _ = try await writer.query(pragma, [])
            }
            try await Self.migrate(writer)
            reader = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop)
        } catch {
            try? await writer.close()
            try? await writerPool.shutdownGracefully()
            try? await writerThread.shutdownGracefully()
            throw EventLogError(description: "cannot open \(path): \(error)")
        }
        var state = State()
        state.nextSeq =
            (try await writer.query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM events", []).first?.column("next")?.integer).map(Int64.init) ?? 1
        for row in try await writer.query("SELECT stream, MIN(offset) AS oldest, MAX(offset) AS head FROM stream_entries GROUP BY stream", []) {
            if let stream = row.column("stream")?.string, let head = row.column("head")?.integer {
                state.heads[stream] = Int64(head)
                state.oldest[stream] = Int64(row.column("oldest")?.integer ?? 1)
            }
        }
        return SQLiteEventLog(
            writer: writer,
            writerThread: writerThread,
            writerPool: writerPool,
            reader: reader,
            lock: lock,
            logger: logger,
            state: state,
            onCommit: onCommit,
            followUps: followUps,
            appendLatency: appendLatency
        )
    }

    private init(
        writer: SQLiteConnection,
        writerThread: MultiThreadedEventLoopGroup,
        writerPool: NIOThreadPool,
        reader: SQLiteConnection,
        lock: DataDirectoryLock,
        logger: Logger,
        state: State,
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void,
        followUps: (any FollowUpPlanner)?,
        appendLatency: @escaping @Sendable (Duration) -> Void
    ) {
        self.writer = writer
        self.writerThread = writerThread
        self.writerPool = writerPool
        self.writerExecutor = EventLoopTaskExecutor(eventLoop: writerThread.next())
        self.reader = reader
        self.lock = lock
        self.logger = logger
        self.state = Mutex(state)
        self.onCommit = onCommit
        self.followUps = followUps
        self.appendLatency = appendLatency
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    private static func migrate(_ connection: SQLiteConnection) async throws {
        let version = try await connection.query("PRAGMA user_version", []).first?.column("user_version")?.integer ?? 0
        let known = Self.migrations.last?.0 ?? 0
        // A newer gateway wrote this log: reading it with an older schema could lose what
        // the newer one keeps (an index retention relies on, a table this one ignores).
        guard version <= known else {
            throw EventLogError(
                description:
                    "the log's schema is version \(version), newer than this listening-post knows (\(known)); run the newer "
                    + "binary, or restore a backup made before the upgrade"
            )
        }
        for (target, statements) in Self.migrations where version < target {
            _ = try await connection.query("BEGIN IMMEDIATE", [])
            for statement in statements { _ = try await connection.query(statement, []) }
            _ = try await connection.query("PRAGMA user_version = \(target)", [])
            _ = try await connection.query("COMMIT", [])
        }
    }

    /// Schema versions, each applied once in its own transaction.
    private static let migrations: [(Int, [String])] = [
        (
            1,
            [
                """
                CREATE TABLE IF NOT EXISTS events (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    dedup_key TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    UNIQUE (channel, dedup_key)
                )
                """,
                """
                CREATE TABLE IF NOT EXISTS stream_entries (
                    stream TEXT NOT NULL,
                    offset INTEGER NOT NULL,
                    seq INTEGER NOT NULL REFERENCES events(seq),
                    PRIMARY KEY (stream, offset)
                ) WITHOUT ROWID
                """,
                "CREATE TABLE IF NOT EXISTS checkpoints (channel TEXT PRIMARY KEY, token TEXT NOT NULL) WITHOUT ROWID",
                "CREATE TABLE IF NOT EXISTS subscriber_cursors (subscriber TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID",
            ]
        ),
        (
            2,
            [
                """
                CREATE TABLE IF NOT EXISTS dead_letters (
                    subscriber TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    stream TEXT NOT NULL,
                    offset INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    last_error TEXT NOT NULL,
                    dead_at REAL NOT NULL,
                    PRIMARY KEY (subscriber, event_id)
                ) WITHOUT ROWID
                """,
                "CREATE TABLE IF NOT EXISTS provisional_customers (id TEXT PRIMARY KEY, customer_id TEXT) WITHOUT ROWID",
            ]
        ),
        // For `in_reply_to` and other lookups of one event by its id.
        (3, ["CREATE INDEX IF NOT EXISTS events_by_id ON events(id)"]),
        // For retention: whether an event still has an entry in any stream. Keys grow with
        // seq, so each insert appends at the index's right edge.
        (4, ["CREATE INDEX IF NOT EXISTS stream_entries_by_seq ON stream_entries(seq)"]),
    ]

    /// The log's size on disk in `directory`: the database with its WAL and shared-memory
    /// files, which hold what is committed but not yet checkpointed into it.
    public static func bytesOnDisk(directory: String) -> Int {
        let base = (directory as NSString).appendingPathComponent("events.sqlite")
        return ["", "-wal", "-shm"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: base + suffix)[.size] as? Int) ?? 0)
        }
    }

    /// Transactions committed since open; with group commit, fewer than the appends.
    public var committedTransactions: Int { state.withLock { $0.transactions } }

    /// Whether the last transaction committed (and the log is still accepting writes).
    public var isWritable: Bool { state.withLock { $0.accepting && $0.healthy } }

    // MARK: EventLog

    public func append(_ request: AppendRequest) async throws -> [IngestReceipt] {
        if request.isEmpty { return [] }
        let start = ContinuousClock.now
        let results = try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard state.accepting else { return false }
                state.pending.append(PendingAppend(request: request, continuation: continuation))
                return true
            }
            if accepted { wake.yield() } else { continuation.resume(throwing: EventLogError.closed) }
        }
        appendLatency(ContinuousClock.now - start)
        return results
    }

    public func read(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry] {
        let rows = try await reader.query(
            """
            SELECT s.offset AS offset, e.id AS id, e.payload AS payload FROM stream_entries s
            JOIN events e ON e.seq = s.seq WHERE s.stream = ? AND s.offset > ? ORDER BY s.offset LIMIT ?
            """,
            [.text(stream), .integer(Int(offset)), .integer(limit)]
        )
        return rows.map { row in
            StreamEntry(
                stream: stream,
                offset: Int64(row.column("offset")?.integer ?? 0),
                eventId: row.column("id")?.string ?? "",
                payload: row.column("payload")?.blob.map { Array($0.readableBytesView) } ?? []
            )
        }
    }

    public func headOffset(stream: String) async throws -> Int64 {
        state.withLock { $0.heads[stream] ?? 0 }
    }

    public func checkpoint(channel: String) async throws -> String? {
        try await reader.query("SELECT token FROM checkpoints WHERE channel = ?", [.text(channel)]).first?.column("token")?.string
    }

    public func storedEventIds(channel: String, forDedupKeys dedupKeys: [String]) async throws -> [String: String] {
        var found: [String: String] = [:]
        for chunk in dedupKeys.chunked(by: 500) {
            let sql =
                "SELECT dedup_key, id FROM events WHERE channel = ? AND dedup_key IN ("
                + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")"
            for row in try await reader.query(sql, [.text(channel)] + chunk.map { .text($0) }) {
                if let key = row.column("dedup_key")?.string, let id = row.column("id")?.string { found[key] = id }
            }
        }
        return found
    }

    public func event(id: String) async throws -> [UInt8]? {
        try await reader.query("SELECT payload FROM events WHERE id = ? LIMIT 1", [.text(id)]).first?.column("payload")?.blob.map {
            Array($0.readableBytesView)
        }
    }

    public func cursor(subscriber: String) async throws -> Int64? {
        try await reader.query("SELECT offset FROM subscriber_cursors WHERE subscriber = ?", [.text(subscriber)])
            .first?.column("offset")?.integer.map(Int64.init)
    }

    public func deadLetters(subscriber: String) async throws -> [DeadLetter] {
        let rows = try await reader.query(
            """
            SELECT d.event_id AS event_id, d.stream AS stream, d.offset AS offset, d.attempts AS attempts, d.last_error AS last_error,
                d.dead_at AS dead_at, e.payload AS payload
            FROM dead_letters d LEFT JOIN events e ON e.id = d.event_id WHERE d.subscriber = ? ORDER BY d.dead_at, d.offset
            """,
            [.text(subscriber)]
        )
        return rows.map { row in
            DeadLetter(
                subscriber: subscriber,
                stream: row.column("stream")?.string ?? "",
                offset: Int64(row.column("offset")?.integer ?? 0),
                eventId: row.column("event_id")?.string ?? "",
                attempts: row.column("attempts")?.integer ?? 0,
                lastError: row.column("last_error")?.string ?? "",
                deadAt: Date(timeIntervalSince1970: row.column("dead_at")?.double ?? 0),
                payload: row.column("payload")?.blob.map { Array($0.readableBytesView) } ?? []
            )
        }
    }

    public func unadoptedProvisionalIds(among ids: [String]) async throws -> [String] {
        var found: [String] = []
        for chunk in ids.chunked(by: 500) {
            let sql =
                "SELECT id FROM provisional_customers WHERE customer_id IS NULL AND id IN ("
                + Array(repeating: "?", count: chunk.count).joined(separator: ", ") + ")"
            found += try await reader.query(sql, chunk.map { .text($0) }).compactMap { $0.column("id")?.string }
        }
        return found
    }

    // MARK: Service

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskExecutorPreference(writerExecutor) {
                for await _ in wakeups {
                    // Appends first; a pruning step (one short transaction) only when none wait.
                    while true {
                        if let batch = takeBatch() {
                            await commit(batch)
                        } else if let pruning = takePruning() {
                            await prune(pruning)
                        } else {
                            break
                        }
                    }
                    if state.withLock({ !$0.accepting && $0.pending.isEmpty }) { break }
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.accepting = false }
            self.wake.yield()
        }
        // Anything that slipped in after the last drain is failed, never dropped silently.
        let (leftovers, prunings) = state.withLock { state -> ([PendingAppend], [Pruning]) in
            state.accepting = false
            defer {
                state.pending = []
                state.pruning = []
            }
            return (state.pending, state.pruning)
        }
        for pending in leftovers { pending.continuation.resume(throwing: EventLogError.closed) }
        for pruning in prunings { pruning.continuation.resume(throwing: EventLogError.closed) }
        await close()
        logger.info("event log closed")
    }

    /// Closes the database without running: for a log that was opened but never started
    /// (a failed startup, a test). Appends after this are refused.
    public func close() async {
        state.withLock { $0.accepting = false }
        // A detached task: closing must happen even when the caller is being cancelled
        // (the thread pool refuses work from a cancelled task).
        let writer = self.writer
        let reader = self.reader
        let writerThread = self.writerThread
        let writerPool = self.writerPool
        await Task.detached {
            try? await writer.close()
            try? await reader.close()
            try? await writerPool.shutdownGracefully()
            try? await writerThread.shutdownGracefully()
        }.value
        // Closed: the directory is free for the next process (or a reopened log).
        lock.release()
    }

    private func takeBatch() -> [PendingAppend]? {
        state.withLock { $0.pending.takeBatch(maxEvents: maxBatchEvents) }
    }

    /// One transaction for the whole batch. On failure nothing of it is stored, every
    /// waiter gets the error, and in-memory counters stay as they were.
    private func commit(_ batch: [PendingAppend]) async {
        let (firstSeq, heads) = state.withLock { ($0.nextSeq, $0.heads) }
        var plan = BatchPlan(firstSeq: firstSeq, heads: heads)
        for pending in batch { plan.add(pending.request) }
        do {
            _ = try await writer.query("BEGIN IMMEDIATE", [])
            do {
                var inserted = try await insert(plan.newEvents[...])
                // Dependents of the new events (never of a duplicate), then what they all cause.
                let first = plan.newEvents.count
                for event in plan.newEvents where inserted.contains(event.seq) && !event.dependents.isEmpty {
                    plan.addFollowUps(event.dependents, channel: event.channel)
                }
                if plan.newEvents.count > first { inserted.formUnion(try await insert(plan.newEvents[first...])) }
                // What the new events cause, in the same transaction: never for a duplicate.
                if let followUps {
                    let signals = plan.newEvents.lazy.filter { inserted.contains($0.seq) && followUps.plans(for: $0.notes) }.map(\.notes)
                    if !signals.isEmpty {
                        let derived = followUps.followUps(to: Array(signals))
                        let first = plan.newEvents.count
                        plan.addFollowUps(derived, channel: followUps.followUpChannel)
                        if plan.newEvents.count > first { inserted.formUnion(try await insert(plan.newEvents[first...])) }
                    }
                }
                // Events already in the log: answer with the stored id.
                let existing = plan.newEvents.filter { !inserted.contains($0.seq) }
                var storedIds: [DedupIdentity: String] = [:]
                for chunk in existing.chunked(by: 200) {
                    let sql =
                        "SELECT channel, dedup_key, id FROM events WHERE (channel, dedup_key) IN (VALUES "
                        + Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ") + ")"
                    for row in try await writer.query(sql, chunk.flatMap { [.text($0.channel), .text($0.dedupKey)] }) {
                        if let channel = row.column("channel")?.string, let key = row.column("dedup_key")?.string, let id = row.column("id")?.string {
                            storedIds[DedupIdentity(channel: channel, dedupKey: key)] = id
                        }
                    }
                }
                let entries = plan.resolve(inserted: inserted, storedIds: storedIds)
                for chunk in entries.chunked(by: 2 * maxBatchEvents) {
                    let sql = insertEntriesSQL(count: chunk.count)
                    _ = try await writer.query(
                        sql,
                        chunk.flatMap { [.text($0.entry.stream), .integer(Int($0.entry.offset)), .integer(Int($0.seq))] }
                    )
                }
                for (channel, token) in plan.checkpoints {
                    _ = try await writer.query(
                        "INSERT INTO checkpoints (channel, token) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET token = excluded.token",
                        [.text(channel), .text(token)]
                    )
                }
                for (subscriber, offset) in plan.cursors {
                    _ = try await writer.query(
                        "INSERT INTO subscriber_cursors (subscriber, offset) VALUES (?, ?) ON CONFLICT (subscriber) DO "
                            + "UPDATE SET offset = excluded.offset",
                        [.text(subscriber), .integer(Int(offset))]
                    )
                }
                try await commitSubscriberAndCustomerRows(plan)
                _ = try await writer.query("COMMIT", [])
                let newHeads = plan.heads
                state.withLock { state in
                    state.nextSeq = plan.nextSeq
                    state.heads = newHeads
                    state.healthy = true
                    state.transactions += 1
                }
                let committed = entries.map(\.entry)
                if !committed.isEmpty { onCommit(committed) }
                for (index, pending) in batch.enumerated() {
                    pending.continuation.resume(returning: plan.results[index])
                }
            } catch {
                _ = try? await writer.query("ROLLBACK", [])
                throw error
            }
        } catch {
            state.withLock { $0.healthy = false }
            logger.error("event log commit failed; \(batch.count) append(s) refused", metadata: ["error": "\(error)"])
            let failure = EventLogError(description: "commit failed: \(error)")
            for pending in batch { pending.continuation.resume(throwing: failure) }
        }
    }
}

extension SQLiteEventLog {
    /// Inserts events, skipping those whose (channel, dedup key) is stored; returns the seqs
    /// actually inserted. No RETURNING: sqlite-nio hands every returned row to the event loop
    /// as a task of its own, which cost more than the insert. `changes()` says whether
    /// anything was a duplicate; only then are the stored seqs looked up.
    fileprivate func insert(_ events: ArraySlice<BatchPlan.NewEvent>) async throws -> Set<Int64> {
        var inserted = Set<Int64>()
        for chunk in Array(events).chunked(by: maxBatchEvents) {
            let sql = insertEventsSQL(count: chunk.count)
            let binds = chunk.flatMap { event -> [SQLiteData] in
                [.integer(Int(event.seq)), .text(event.id), .text(event.channel), .text(event.dedupKey), .blob(ByteBuffer(bytes: event.payload))]
            }
            _ = try await writer.query(sql, binds)
            let changes = try await writer.query("SELECT changes() AS n", []).first?.column("n")?.integer ?? 0
            if changes == chunk.count {
                inserted.formUnion(chunk.map(\.seq))
            } else if changes > 0 {
                let rows = try await writer.query(
                    "SELECT seq FROM events WHERE seq BETWEEN ? AND ?",
                    [.integer(Int(chunk.first!.seq)), .integer(Int(chunk.last!.seq))]
                )
                for row in rows {
                    if let seq = row.column("seq")?.integer { inserted.insert(Int64(seq)) }
                }
            }
        }
        return inserted
    }

    /// The rarer rows of a batch: provisional customers, adoptions and dead letters.
    fileprivate func commitSubscriberAndCustomerRows(_ plan: BatchPlan) async throws {
        if !plan.provisionalCustomers.isEmpty {
            for chunk in plan.provisionalCustomers.sorted().chunked(by: 500) {
                _ = try await writer.query(
                    "INSERT INTO provisional_customers (id) VALUES " + placeholders(row: "(?)", count: chunk.count) + " ON CONFLICT (id) DO NOTHING",
                    chunk.map { .text($0) }
                )
            }
        }
        for (provisional, customer) in plan.adoptions {
            _ = try await writer.query(
                "INSERT INTO provisional_customers (id, customer_id) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id",
                [.text(provisional), .text(customer)]
            )
        }
        for letter in plan.deadLetters {
            _ = try await writer.query(
                """
                INSERT INTO dead_letters (subscriber, event_id, stream, offset, attempts, last_error, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (subscriber, event_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, dead_at = excluded.dead_at
                """,
                [
                    .text(letter.subscriber), .text(letter.eventId), .text(letter.stream), .integer(Int(letter.offset)), .integer(letter.attempts),
                    .text(letter.lastError), .float(letter.deadAt.timeIntervalSince1970),
                ]
            )
        }
        for key in plan.clearedDeadLetters {
            _ = try await writer.query("DELETE FROM dead_letters WHERE subscriber = ? AND event_id = ?", [.text(key.subscriber), .text(key.eventId)])
        }
    }
}

/// Multi-row INSERT texts. sqlite-nio prepares each query anew, so the text is all there is
/// to cache; batches mostly repeat a few sizes.
private func insertEventsSQL(count: Int) -> String {
    "INSERT INTO events (seq, id, channel, dedup_key, payload) VALUES "
        + placeholders(row: "(?, ?, ?, ?, ?)", count: count) + " ON CONFLICT (channel, dedup_key) DO NOTHING"
}

private func insertEntriesSQL(count: Int) -> String {
    "INSERT INTO stream_entries (stream, offset, seq) VALUES " + placeholders(row: "(?, ?, ?)", count: count)
}

private func placeholders(row: String, count: Int) -> String {
    var text = ""
    text.reserveCapacity((row.utf8.count + 2) * count)
    for index in 0..<count {
        if index > 0 { text += ", " }
        text += row
    }
    return text
}
