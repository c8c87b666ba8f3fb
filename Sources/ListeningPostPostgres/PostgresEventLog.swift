import Foundation
import ListeningPostKit
import ListeningPostStore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The shared log for several gateways: PostgreSQL, with the same contract as
/// ``SQLiteEventLog``.
///
/// - **Group commit, one round trip.** Appends queue while a batch is being written; the
///   next batch takes everything queued and commits it with one `lp_append` call (see
///   ``PostgresSchema``). Only a batch whose new events cause more events (an SMS STOP's
///   suppression, a detractor's case) needs an explicit transaction, since what follows
///   depends on which events were new.
/// - **Offsets that never skip**: numbered from each stream's locked head row.
/// - **Commits of other gateways** reach this gateway's subscribers and projections by
///   reading: after each hint (one `NOTIFY` per gateway every few tens of milliseconds, sent
///   on its own connection, never inside an append) and every ``pollInterval`` whatever the
///   hints say. ``CommitOrder`` hands everything on in offset order.
/// - **A commit whose outcome is unknown** (the connection dropped during it) is retried:
///   dedup keys make the retry store nothing twice, and the entries it did store are read
///   back like another gateway's.
///
/// Run it as a `Service`, as the SQLite log.
public final class PostgresEventLog: EventLog, Service {
    /// Most events one batch carries.
    public let maxBatchEvents = 512
    /// How often other gateways' commits are looked for without a hint.
    public let pollInterval: Duration
    /// Whether other gateways' hints are listened for (off: only the poll, as a test of
    /// what must hold without them).
    let listensForHints: Bool
    /// The shared log's notification channel.
    static let commitChannel = "lp_commits"

    /// Reads for subscribers and the API.
    public let links: PostgresLinks
    /// This gateway's data directory, held while the log is open.
    private let lock: DataDirectoryLock?
    /// The commit loop's own connection: appends, and the reads that order them. Not from
    /// the pool, so a pool waiting on broken connections never holds up a commit; a commit
    /// that takes too long closes it, which fails the query rather than hanging.
    private let writer: WriterConnection
    /// Holds the LISTEN for other gateways' hints.
    private let listener: WriterConnection
    /// The lease table, on a connection of its own; closed with the log.
    public let leases: PostgresLeaseStore
    public let settings: PostgresSettings
    let logger: Logger
    private let onCommit: @Sendable ([StreamEntry]) -> Void
    private let followUps: (any FollowUpPlanner)?
    private let appendLatency: @Sendable (Duration) -> Void
    private let state: Mutex<State>
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let hints: AsyncStream<Void>
    private let hint: AsyncStream<Void>.Continuation
    /// Tells other gateways' notifications from this one's own.
    let instance = UUID().uuidString

    struct State {
        var pending: [PendingAppend] = []
        var accepting = true
        var healthy = true
        var transactions = 0
        /// Set by a notification or the poll: read what other gateways committed.
        var tailWanted = false
        /// Touched by the commit loop only; in the lock to be Sendable.
        var order = CommitOrder()
    }

    /// Connects, applies the schema migrations and reads each stream's head.
    public static func open(
        settings: PostgresSettings,
        logger: Logger,
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void = { _ in },
        appendLatency: @escaping @Sendable (Duration) -> Void = { _ in },
        followUps: (any FollowUpPlanner)? = nil,
        pollInterval: Duration = .seconds(1),
        listensForHints: Bool = true,
        connectTimeout: Duration = .seconds(15),
        holding lock: DataDirectoryLock? = nil
    ) async throws -> PostgresEventLog {
        let links = PostgresLinks(settings: settings, count: max(1, settings.poolSize - 3), logger: logger)
        do {
            let heads = try await withDeadline(connectTimeout, what: "connecting to \(settings.redactedURL)") {
                try await links.with { connection in try await PostgresSchema.migrate(connection, logger: logger) }
                return try await links.with { connection in
                    var heads: [String: Int64] = [:]
                    for try await (stream, head) in try await connection.query("SELECT stream, head FROM stream_heads", logger: logger).decode(
                        (String, Int64).self
                    ) {
                        heads[stream] = head
                    }
                    return heads
                }
            }
            return PostgresEventLog(
                links: links,
                lock: lock,
                settings: settings,
                logger: logger,
                heads: heads,
                onCommit: onCommit,
                followUps: followUps,
                appendLatency: appendLatency,
                pollInterval: pollInterval,
                listensForHints: listensForHints
            )
        } catch {
            await links.close()
            throw EventLogError(description: "cannot open the PostgreSQL log at \(settings.redactedURL): \(Self.describe(error))")
        }
    }

    private init(
        links: PostgresLinks,
        lock: DataDirectoryLock?,
        settings: PostgresSettings,
        logger: Logger,
        heads: [String: Int64],
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void,
        followUps: (any FollowUpPlanner)?,
        appendLatency: @escaping @Sendable (Duration) -> Void,
        pollInterval: Duration,
        listensForHints: Bool
    ) {
        self.links = links
        self.lock = lock
        self.writer = WriterConnection(settings: settings, logger: logger)
        self.listener = WriterConnection(settings: settings, logger: logger)
        self.leases = PostgresLeaseStore(settings: settings, logger: logger)
        self.settings = settings
        self.logger = logger
        self.onCommit = onCommit
        self.followUps = followUps
        self.appendLatency = appendLatency
        self.pollInterval = pollInterval
        self.listensForHints = listensForHints
        var state = State()
        state.order = CommitOrder(delivered: heads)
        self.state = Mutex(state)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (hints, hint) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Marks what the projections read while they were rebuilt (each stream through the
    /// offset its replay reached), before the log runs: other gateways' commits between
    /// `open` and the replay were read there, and are not handed on again. (Nothing is
    /// held before the log runs, so nothing is released here.)
    public func replayed(_ heads: [String: Int64]) {
        state.withLock { state in
            for (stream, offset) in heads { state.order.skip(stream, through: offset) }
        }
    }

    /// Transactions (batches) committed since open.
    public var committedTransactions: Int { state.withLock { $0.transactions } }

    /// Whether the last batch committed and the log still accepts writes.
    public var isWritable: Bool { state.withLock { $0.accepting && $0.healthy } }

    // MARK: EventLog

    public func append(_ request: AppendRequest) async throws -> [IngestReceipt] {
        if request.isEmpty { return [] }
        let start = ContinuousClock.now
        let results = try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard state.accepting else { return false }
                state.pending.append(PendingAppend(request: request, continuation: continuation, fence: HeldLease.current))
                return true
            }
            if accepted { wake.yield() } else { continuation.resume(throwing: EventLogError.closed) }
        }
        appendLatency(ContinuousClock.now - start)
        return results
    }

    public func read(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry] {
        try await pooled { try await Self.read(stream: stream, after: offset, limit: limit, on: $0) }
    }

    /// Runs `body` on one of the read links, its rows read inside (see ``PostgresLinks``).
    /// A read is retried once, on a fresh connection, after a failure that may be the
    /// connection's (cut, or silently dead and overrunning): reads change nothing.
    func pooled<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await links.with(timeout: .seconds(10), body)
        } catch let error where Self.isTransient(error) && !Task.isCancelled {
            logger.debug("a read failed; retrying once", metadata: ["error": "\(Self.describe(error))"])
            return try await links.with(timeout: .seconds(10), body)
        }
    }

    /// Up to `limit` entries of `stream` after `offset` (offsets have no holes, so that is
    /// the range up to `offset + limit`).
    static func read(stream: String, after offset: Int64, limit: Int, on connection: PostgresConnection) async throws -> [StreamEntry] {
        let (through, overflow) = offset.addingReportingOverflow(Int64(clamping: max(0, limit)))
        return try await read(ranges: [(stream, offset, overflow ? .max : through)], on: connection)
    }

    /// The entries of several streams' offset ranges (after, through], in one query. A
    /// lateral subquery per range, so each is an index range scan like ``read(stream:after:limit:on:)``;
    /// a plain join of the ranges with the tables was planned as a scan of them.
    static func read(ranges: [(stream: String, after: Int64, through: Int64)], on connection: PostgresConnection) async throws -> [StreamEntry] {
        var binds = PostgresBindings(capacity: 3)
        binds.append(ranges.map(\.stream))
        binds.append(ranges.map(\.after))
        binds.append(ranges.map(\.through))
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT g.stream, r."offset", r.id, r.payload
                    FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS g(stream, after, through)
                    CROSS JOIN LATERAL (
                        SELECT s."offset", e.id, e.payload FROM stream_entries s JOIN events e ON e.seq = s.seq
                        WHERE s.stream = g.stream AND s."offset" > g.after AND s."offset" <= g.through
                        ORDER BY s."offset"
                    ) r
                    ORDER BY g.stream, r."offset"
                    """,
                binds: binds
            ),
            logger: Logger(label: "listening-post.postgres")
        )
        var entries: [StreamEntry] = []
        for try await (stream, offset, id, payload) in rows.decode((String, Int64, String, ByteBuffer).self) {
            entries.append(StreamEntry(stream: stream, offset: offset, eventId: id, payload: Array(payload.readableBytesView)))
        }
        return entries
    }

    /// The head this gateway has handed on: its subscribers and projections have seen
    /// everything up to it.
    public func headOffset(stream: String) async throws -> Int64 {
        state.withLock { $0.order.head(stream) }
    }

    public func checkpoint(channel: String) async throws -> String? {
        try await pooled { connection in
            for try await token in try await connection.query("SELECT token FROM checkpoints WHERE channel = \(channel)", logger: self.logger).decode(
                String.self
            ) { return token }
            return nil
        }
    }

    public func storedEventIds(channel: String, forDedupKeys dedupKeys: [String]) async throws -> [String: String] {
        try await pooled { connection in
            var found: [String: String] = [:]
            let rows = try await connection.query(
                "SELECT dedup_key, id FROM events WHERE channel = \(channel) AND dedup_key = ANY(\(dedupKeys))",
                logger: self.logger
            )
            for try await (key, id) in rows.decode((String, String).self) { found[key] = id }
            return found
        }
    }

    public func event(id: String) async throws -> [UInt8]? {
        try await pooled { connection in
            for try await payload in try await connection.query("SELECT payload FROM events WHERE id = \(id) LIMIT 1", logger: self.logger).decode(
                ByteBuffer.self
            ) {
                return Array(payload.readableBytesView)
            }
            return nil
        }
    }

    public func cursor(subscriber: String) async throws -> Int64? {
        try await pooled { connection in
            for try await offset in try await connection.query(
                "SELECT \"offset\" FROM subscriber_cursors WHERE subscriber = \(subscriber)",
                logger: self.logger
            ).decode(Int64.self) {
                return offset
            }
            return nil
        }
    }

    public func deadLetters(subscriber: String) async throws -> [DeadLetter] {
        try await pooled { connection in try await Self.deadLetters(subscriber: subscriber, on: connection, logger: self.logger) }
    }

    static func deadLetters(subscriber: String, on connection: PostgresConnection, logger: Logger) async throws -> [DeadLetter] {
        let rows = try await connection.query(
            """
            SELECT d.event_id, d.stream, d."offset", d.attempts, d.last_error, d.dead_at, e.payload
            FROM dead_letters d LEFT JOIN events e ON e.id = d.event_id WHERE d.subscriber = \(subscriber) ORDER BY d.dead_at, d."offset"
            """,
            logger: logger
        )
        var letters: [DeadLetter] = []
        for try await (eventId, stream, offset, attempts, lastError, deadAt, payload) in rows.decode(
            (String, String, Int64, Int32, String, Double, ByteBuffer?).self
        ) {
            letters.append(
                DeadLetter(
                    subscriber: subscriber,
                    stream: stream,
                    offset: offset,
                    eventId: eventId,
                    attempts: Int(attempts),
                    lastError: lastError,
                    deadAt: Date(timeIntervalSince1970: deadAt),
                    payload: payload.map { Array($0.readableBytesView) } ?? []
                )
            )
        }
        return letters
    }

    public func unadoptedProvisionalIds(among ids: [String]) async throws -> [String] {
        try await pooled { connection in
            var found: [String] = []
            let rows = try await connection.query(
                "SELECT id FROM provisional_customers WHERE customer_id IS NULL AND id = ANY(\(ids))",
                logger: self.logger
            )
            for try await id in rows.decode(String.self) { found.append(id) }
            return found
        }
    }

    // MARK: Service

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                if listensForHints { group.addTask { await self.listenForOtherGateways() } }
                group.addTask { await self.poll() }
                group.addTask { await self.sendHints() }
                for await _ in wakeups {
                    while let batch = takeBatch() { await commit(batch) }
                    if state.withLock({ state in
                        defer { state.tailWanted = false }
                        return state.tailWanted
                    }) {
                        await catchUp()
                    }
                    if state.withLock({ !$0.accepting && $0.pending.isEmpty }) { break }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.accepting = false }
            self.wake.yield()
        }
        let leftovers = state.withLock { state -> [PendingAppend] in
            state.accepting = false
            defer { state.pending = [] }
            return state.pending
        }
        for pending in leftovers { pending.continuation.resume(throwing: EventLogError.closed) }
        await close()
        logger.info("event log closed")
    }

    /// Closes the connections without running: for a log opened but never started.
    public func close() async {
        state.withLock { $0.accepting = false }
        hint.finish()
        await writer.close()
        await listener.close()
        await leases.close()
        await links.close()
    }

    private func takeBatch() -> [PendingAppend]? {
        state.withLock { $0.pending.takeBatch(maxEvents: maxBatchEvents) }
    }

    /// Commits a batch, retrying what may succeed on a second try (a dropped connection, a
    /// deadlock, the server restarting) for a few seconds; then every waiter gets the error.
    private func commit(_ batch: [PendingAppend]) async {
        var batch = batch
        var plan = Self.plan(of: batch)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let planned = plan
                let fences = Self.fences(of: batch)
                let (settled, entries) = try await writer.withConnection(timeout: .seconds(10)) { connection in
                    try await self.store(planned, fences: fences, on: connection)
                }
                state.withLock { state in
                    state.healthy = true
                    state.transactions += 1
                }
                hint.yield()
                let delivered = await handOn(entries)
                if !delivered.isEmpty { onCommit(delivered) }
                for (index, pending) in batch.enumerated() { pending.continuation.resume(returning: settled.results[index]) }
                return
            } catch let error where Self.serverError(error)?.serverInfo?[.sqlState] == PostgresSchema.staleLeaseState {
                // Appends made under a lease that moved on are refused; the rest go again. The
                // detail lists the stale leases, one `name<TAB>epoch` per line.
                let stale = Set((Self.serverError(error)?.serverInfo?[.detail] ?? "").split(separator: "\n").map(String.init))
                let isStale = { (pending: PendingAppend) in pending.fence.map { stale.contains("\($0.name)\t\($0.epoch)") } ?? false }
                let refused = batch.filter(isStale)
                let kept = batch.filter { !isStale($0) }
                for pending in refused { pending.continuation.resume(throwing: LeaseLost(name: pending.fence?.name ?? "")) }
                logger.warning(
                    "refused \(refused.count) append(s) made under a lease another gateway has taken over",
                    metadata: ["leases": "\(stale.sorted())"]
                )
                guard !kept.isEmpty, !refused.isEmpty else {
                    let failure = EventLogError(description: "commit failed: \(Self.describe(error))")
                    for pending in kept { pending.continuation.resume(throwing: failure) }
                    return
                }
                batch = kept
                plan = Self.plan(of: batch)
            } catch {
                let retry = attempt < 6 && Self.isTransient(error)
                logger.log(
                    level: retry ? .warning : .error,
                    retry ? "event log commit failed, retrying" : "event log commit failed; \(batch.count) append(s) refused",
                    metadata: ["error": "\(Self.describe(error))", "attempt": "\(attempt)"]
                )
                guard retry else {
                    state.withLock { $0.healthy = false }
                    let failure = EventLogError(description: "commit failed: \(Self.describe(error))")
                    for pending in batch { pending.continuation.resume(throwing: failure) }
                    return
                }
                state.withLock { $0.healthy = false }
                try? await Task.sleep(for: .milliseconds(50 << min(attempt, 4)))
            }
        }
    }

    /// One attempt at storing a batch. Returns the plan with its results, and the new
    /// entries.
    private func store(_ batch: BatchPlan, fences: [(String, Int64)], on connection: PostgresConnection) async throws -> (BatchPlan, [StreamEntry]) {
        var plan = batch
        let causesMore = plan.newEvents.contains { !$0.dependents.isEmpty || (followUps?.plans(for: $0.notes) ?? false) }
        var outcome: [Int: (id: String, inserted: Bool)] = [:]
        var entries: [(index: Int, stream: String, offset: Int64)] = []
        func record(_ result: AppendCallResult, from first: Int) {
            for (index, stored) in result.events { outcome[first + index] = stored }
            entries += result.entries.map { (first + $0.index, $0.stream, $0.offset) }
        }
        if !causesMore {
            record(try await Self.call(plan.newEvents[...], extras: plan, fences: fences, on: connection, logger: logger), from: 0)
        } else {
            let followUps = self.followUps
            let planned = plan
            let (extended, results) = try await connection.withTransaction(logger: logger) { connection -> (BatchPlan, [(Int, AppendCallResult)]) in
                var plan = planned
                var results: [(Int, AppendCallResult)] = []
                var first = plan.newEvents.count
                let initial = try await Self.call(plan.newEvents[...], extras: plan, fences: fences, on: connection, logger: logger)
                results.append((0, initial))
                var inserted = Set(initial.events.filter { $0.value.inserted }.map(\.key))
                // Dependents of the new events (never of a duplicate), then what they all cause.
                for (index, event) in plan.newEvents.enumerated() where inserted.contains(index) && !event.dependents.isEmpty {
                    plan.addFollowUps(event.dependents, channel: event.channel)
                }
                if plan.newEvents.count > first {
                    let result = try await Self.call(plan.newEvents[first...], extras: nil, on: connection, logger: logger)
                    results.append((first, result))
                    inserted.formUnion(result.events.filter { $0.value.inserted }.map { first + $0.key })
                }
                if let followUps {
                    let signals = plan.newEvents.indices.filter { inserted.contains($0) }.map { plan.newEvents[$0].notes }.filter(
                        followUps.plans(for:)
                    )
                    if !signals.isEmpty {
                        try await self.catchUpPlanner(followUps, on: connection)
                        first = plan.newEvents.count
                        plan.addFollowUps(followUps.followUps(to: signals), channel: followUps.followUpChannel)
                        if plan.newEvents.count > first {
                            results.append((first, try await Self.call(plan.newEvents[first...], extras: nil, on: connection, logger: logger)))
                        }
                    }
                }
                return (plan, results)
            }
            plan = extended
            for (first, result) in results { record(result, from: first) }
        }
        let receipts = plan.newEvents.indices.map { index in
            let stored = outcome[index] ?? (plan.newEvents[index].id, false)
            return IngestReceipt(eventId: stored.id, duplicate: !stored.inserted)
        }
        plan.settle(outcome: receipts)
        let streamEntries = entries.map { entry in
            let event = plan.newEvents[entry.index]
            return StreamEntry(stream: entry.stream, offset: entry.offset, eventId: event.id, payload: event.payload, notes: event.notes)
        }
        return (plan, streamEntries)
    }

    /// Hands on what other gateways committed to the planner's stream (a case opened, closed
    /// by an operator, a timer's breach), so planning in this transaction sees it.
    ///
    /// Why reading is enough: every message appends to the `all` stream, whose head row the
    /// transaction's first call has locked, so transactions that plan are serialised across
    /// gateways, and each one's statements see every earlier one's commit.
    private func catchUpPlanner(_ planner: any FollowUpPlanner, on connection: PostgresConnection) async throws {
        let stream = planner.plannedStream
        while true {
            let after = state.withLock { $0.order.head(stream) }
            let entries = try await Self.read(stream: stream, after: after, limit: 2_000, on: connection)
            if entries.isEmpty { return }
            let ready = state.withLock { $0.order.offer(entries) }
            if !ready.isEmpty { onCommit(ready) }
            if entries.count < 2_000 { return }
        }
    }

    /// Passes committed entries through ``CommitOrder``, reading any offsets other gateways
    /// committed before them. Returns what to hand on, in order.
    private func handOn(_ entries: [StreamEntry]) async -> [StreamEntry] {
        var ready = state.withLock { $0.order.offer(entries) }
        var reads = 0
        while case let gaps = state.withLock({ $0.order.gaps }), !gaps.isEmpty, reads < 100 {
            reads += 1
            // Committed already: another gateway's head lock let ours go only after its commit.
            // Every stream's gap in one query: with several gateways nearly every commit
            // has one in `all` and in its channel's stream.
            let ranges = gaps.map { ($0.stream, $0.after, min($0.through, $0.after + 2_000)) }
            guard let missing = try? await writer.withConnection(timeout: .seconds(10), { try await Self.read(ranges: ranges, on: $0) }),
                !missing.isEmpty
            else {
                // Unreadable now; the next catch-up reads it, and the held entries go then.
                state.withLock { $0.tailWanted = true }
                break
            }
            ready += state.withLock { $0.order.offer(missing) }
        }
        return ready
    }

    /// Reads what other gateways committed past this one's heads and hands it on.
    private func catchUp() async {
        do {
            var behind: [(String, Int64)] = []
            let order = state.withLock { $0.order }
            let heads = try await writer.withConnection(timeout: .seconds(10)) { connection in
                var heads: [(String, Int64)] = []
                for try await row in try await connection.query("SELECT stream, head FROM stream_heads", logger: self.logger).decode(
                    (String, Int64).self
                ) { heads.append(row) }
                return heads
            }
            for (stream, head) in heads where head > order.head(stream) { behind.append((stream, head)) }
            var ready: [StreamEntry] = []
            for (stream, head) in behind {
                while state.withLock({ $0.order.head(stream) }) < head {
                    let after = state.withLock { $0.order.head(stream) }
                    let entries = try await writer.withConnection(timeout: .seconds(10)) {
                        try await Self.read(stream: stream, after: after, limit: 2_000, on: $0)
                    }
                    if entries.isEmpty { break }
                    ready += state.withLock { $0.order.offer(entries) }
                }
            }
            if !ready.isEmpty { onCommit(ready) }
        } catch {
            if Task.isCancelled || !state.withLock({ $0.accepting }) { return }
            logger.warning("could not read other gateways' commits; retrying at the next poll", metadata: ["error": "\(Self.describe(error))"])
        }
    }

    /// LISTENs for other gateways' hints, reconnecting after a failure; each hint (and each
    /// reconnect, which may have missed some) asks for a catch-up.
    private func listenForOtherGateways() async {
        while !Task.isCancelled {
            do {
                try await listener.listen { notification in
                    if notification != self.instance { self.wantCatchUp() }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listening for other gateways failed; polling meanwhile", metadata: ["error": "\(Self.describe(error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Catches up every ``pollInterval`` whatever the hints said: a hint is only a hint.
    private func poll() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            wantCatchUp()
        }
    }

    private func wantCatchUp() {
        state.withLock { $0.tailWanted = true }
        wake.yield()
    }

    /// At most one notification per 20 ms, on a connection of its own and outside any
    /// append: `NOTIFY` in the appending transaction would take PostgreSQL's cluster-wide
    /// notify lock at every commit.
    private func sendHints() async {
        for await _ in hints {
            _ = try? await pooled { connection in
                try await connection.query("SELECT pg_notify(\(Self.commitChannel), \(self.instance))", logger: self.logger)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The batch's appends, planned as one commit.
    static func plan(of batch: [PendingAppend]) -> BatchPlan {
        var plan = BatchPlan(firstSeq: 1, heads: [:])
        for pending in batch { plan.add(pending.request) }
        return plan
    }

    /// Each distinct (lease, epoch) the batch's appends were made under, in name order.
    static func fences(of batch: [PendingAppend]) -> [(String, Int64)] {
        var seen = Set<String>()
        return batch.compactMap(\.fence)
            .filter { seen.insert("\($0.name)\t\($0.epoch)").inserted }
            .map { ($0.name, $0.epoch) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    // MARK: Errors

    /// What went wrong, out of the wrapper `withTransaction` puts around it.
    static func cause(_ error: any Error) -> any Error {
        guard let transaction = error as? PostgresTransactionError else { return error }
        return transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? error
    }

    /// The server's error, also from inside a failed transaction.
    static func serverError(_ error: any Error) -> PSQLError? { cause(error) as? PSQLError }

    /// Whether an error may go away by itself: the connection, the server restarting, a
    /// deadlock or serialization failure.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = serverError(error) else { return error is CancellationError == false }
        if let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("40") || state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53")
        }
        return true
    }

    /// PSQLError's description hides the server's message; this shows it.
    static func describe(_ error: any Error) -> String {
        let cause = cause(error)
        guard let error = cause as? PSQLError else { return "\(cause)" }
        if let message = error.serverInfo?[.message] {
            return "\(message) (\(error.serverInfo?[.sqlState] ?? "?"))"
        }
        return "\(error.code)"
    }
}

/// What one `lp_append` call stored: per event (by position in the call) the stored id and
/// whether this call inserted it, and the new entries.
struct AppendCallResult {
    var events: [Int: (id: String, inserted: Bool)] = [:]
    var entries: [(index: Int, stream: String, offset: Int64)] = []
}

extension PostgresEventLog {
    /// One `lp_append` call for `events`, with the batch's checkpoints, cursors, customer and
    /// dead-letter rows when `extras` is given.
    static func call(
        _ events: ArraySlice<BatchPlan.NewEvent>,
        extras: BatchPlan?,
        fences: [(String, Int64)] = [],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> AppendCallResult {
        var binds = PostgresBindings(capacity: 24)
        binds.append(events.map(\.id))
        binds.append(events.map(\.channel))
        binds.append(events.map(\.dedupKey))
        binds.append(events.map { ByteBuffer(bytes: $0.payload) })
        var entryEvents: [Int32] = []
        var entryStreams: [String] = []
        for (position, event) in events.enumerated() {
            for stream in Set(event.streams).sorted() {
                entryEvents.append(Int32(position + 1))
                entryStreams.append(stream)
            }
        }
        binds.append(entryEvents)
        binds.append(entryStreams)
        let checkpoints = (extras?.checkpoints ?? [:]).sorted { $0.key < $1.key }
        binds.append(checkpoints.map(\.key))
        binds.append(checkpoints.map(\.value))
        let cursors = (extras?.cursors ?? [:]).sorted { $0.key < $1.key }
        binds.append(cursors.map(\.key))
        binds.append(cursors.map(\.value))
        binds.append((extras?.provisionalCustomers ?? []).sorted())
        let adoptions = (extras?.adoptions ?? [:]).sorted { $0.key < $1.key }
        binds.append(adoptions.map(\.key))
        binds.append(adoptions.map(\.value))
        // One row per (subscriber, event): the last attempt wins, as ON CONFLICT would.
        var letters: [DeadLetterKey: DeadLetter] = [:]
        for letter in extras?.deadLetters ?? [] { letters[letter.key] = letter }
        let deadLetters = letters.values.sorted { ($0.subscriber, $0.eventId) < ($1.subscriber, $1.eventId) }
        binds.append(deadLetters.map(\.subscriber))
        binds.append(deadLetters.map(\.eventId))
        binds.append(deadLetters.map(\.stream))
        binds.append(deadLetters.map(\.offset))
        binds.append(deadLetters.map { Int32(clamping: $0.attempts) })
        binds.append(deadLetters.map(\.lastError))
        binds.append(deadLetters.map { $0.deadAt.timeIntervalSince1970 })
        let cleared = extras?.clearedDeadLetters ?? []
        binds.append(cleared.map(\.subscriber))
        binds.append(cleared.map(\.eventId))
        binds.append(fences.map(\.0))
        binds.append(fences.map(\.1))
        let sql = "SELECT idx, stored_id, inserted, stream, \"offset\" FROM lp_append(" + (1...24).map { "$\($0)" }.joined(separator: ", ") + ")"
        var result = AppendCallResult()
        for try await (index, storedId, inserted, stream, offset) in try await connection.query(
            PostgresQuery(unsafeSQL: sql, binds: binds),
            logger: logger
        )
        .decode((Int32, String?, Bool, String?, Int64?).self) {
            if let stream, let offset {
                result.entries.append((Int(index) - 1, stream, offset))
            } else {
                result.events[Int(index) - 1] = (storedId ?? "", inserted)
            }
        }
        return result
    }
}

extension PostgresEventLog: DurableEventLog {
    public var sharedLeases: (store: any LeaseStore, ttl: Duration)? { (leases, settings.leaseTTL) }

    public func measurements() async -> StoreMeasurements {
        StoreMeasurements(readConnections: await links.use)
    }
}

extension StoreBackend {
    /// The shared log on PostgreSQL. `lock` is the gateway's own data directory (its pid,
    /// its last reload), still one gateway per directory as with SQLite.
    public static func postgres(settings: PostgresSettings, lock: DataDirectoryLock) -> StoreBackend {
        StoreBackend(description: "PostgreSQL at \(settings.redactedURL)") { hooks, logger in
            try await PostgresEventLog.open(
                settings: settings,
                logger: logger,
                onCommit: hooks.onCommit,
                appendLatency: hooks.appendLatency,
                followUps: hooks.followUps,
                holding: lock
            )
        }
    }
}
