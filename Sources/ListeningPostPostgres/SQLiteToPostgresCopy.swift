import Foundation
import ListeningPostStore
import Logging
import NIOCore
import PostgresNIO
import SQLiteNIO

/// Moves a gateway from the embedded SQLite log to a shared PostgreSQL one: copies every
/// event with its id, every stream entry at its offset, and the checkpoints, subscriber
/// cursors, dead letters and provisional customers, in one PostgreSQL transaction. So
/// mailboxes resume at their checkpoints, push subscribers at their cursors, and an SSE
/// client reconnecting with its `Last-Event-ID` continues where it was.
///
/// The gateway must be stopped (the data directory's lock is taken) and the database must
/// hold no log yet: copying into a log other gateways already write would renumber nothing
/// and collide everywhere.
public enum SQLiteToPostgresCopy {
    public struct Report: Sendable, Equatable {
        public var events: Int
        public var streams: [String: Int64]
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Rows per INSERT: one round trip each.
    static let page = 1_000

    public static func copy(from directory: String, to settings: PostgresSettings, logger: Logger) async throws -> Report {
        let file = LogBackup.path(directory)
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(description: "no SQLite log at \(file)") }
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock(directory: directory)
        } catch {
            throw Failure(description: "\(error); stop the gateway first, so the copy is of a log nobody writes")
        }
        defer { withExtendedLifetime(lock) {} }
        let links = PostgresLinks(settings: settings, count: 1, logger: logger)
        do {
            let report = try await LogBackup.withConnection(file, logger: logger) { source in
                try await links.with(timeout: .seconds(24 * 3600)) { target in
                    try await PostgresSchema.migrate(target, logger: logger)
                    var existing = 0
                    for try await count in try await target.query("SELECT count(*)::int FROM events", logger: logger).decode(Int.self) {
                        existing = count
                    }
                    guard existing == 0 else {
                        throw Failure(description: "\(settings.redactedURL) already holds \(existing) events; copy into an empty database")
                    }
                    return try await target.withTransaction(logger: logger) { target in
                        try await copyRows(from: source, to: target, logger: logger)
                    }
                }
            }
            await links.close()
            return report
        } catch let error as PostgresTransactionError {
            await links.close()
            throw Failure(
                description: "the copy failed and was rolled back, nothing is in \(settings.redactedURL): \(PostgresEventLog.describe(error))"
            )
        } catch {
            await links.close()
            throw error
        }
    }

    private static func copyRows(from source: SQLiteConnection, to target: PostgresConnection, logger: Logger) async throws -> Report {
        var events = 0
        var lastSeq: Int64 = 0
        while true {
            let rows = try await source.query(
                "SELECT seq, id, channel, dedup_key, payload FROM events WHERE seq > ? ORDER BY seq LIMIT \(page)",
                [.integer(Int(lastSeq))]
            )
            if rows.isEmpty { break }
            var binds = PostgresBindings(capacity: 5)
            binds.append(rows.map { Int64($0.column("seq")?.integer ?? 0) })
            binds.append(rows.map { $0.column("id")?.string ?? "" })
            binds.append(rows.map { $0.column("channel")?.string ?? "" })
            binds.append(rows.map { $0.column("dedup_key")?.string ?? "" })
            binds.append(
                rows.map { row -> ByteBuffer in
                    if case .blob(let bytes)? = row.column("payload") { bytes } else { ByteBuffer(string: row.column("payload")?.string ?? "") }
                }
            )
            try await target.query(
                PostgresQuery(
                    unsafeSQL:
                        "INSERT INTO events (seq, id, channel, dedup_key, payload) OVERRIDING SYSTEM VALUE SELECT * FROM "
                        + "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])",
                    binds: binds
                ),
                logger: logger
            )
            events += rows.count
            lastSeq = Int64(rows.last?.column("seq")?.integer ?? 0)
        }
        // The identity goes on after the copied rows, so new events sort after them.
        try await target.query("SELECT setval(pg_get_serial_sequence('events', 'seq'), greatest((SELECT max(seq) FROM events), 1))", logger: logger)

        var after = ("", Int64(0))
        while true {
            let rows = try await source.query(
                "SELECT stream, offset, seq FROM stream_entries WHERE (stream, offset) > (?, ?) ORDER BY stream, offset LIMIT \(page)",
                [.text(after.0), .integer(Int(after.1))]
            )
            if rows.isEmpty { break }
            var binds = PostgresBindings(capacity: 3)
            binds.append(rows.map { $0.column("stream")?.string ?? "" })
            binds.append(rows.map { Int64($0.column("offset")?.integer ?? 0) })
            binds.append(rows.map { Int64($0.column("seq")?.integer ?? 0) })
            try await target.query(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO stream_entries (stream, \"offset\", seq) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])",
                    binds: binds
                ),
                logger: logger
            )
            after = (rows.last?.column("stream")?.string ?? "", Int64(rows.last?.column("offset")?.integer ?? 0))
        }
        try await target.query(
            "INSERT INTO stream_heads (stream, head) SELECT stream, max(\"offset\") FROM stream_entries GROUP BY stream",
            logger: logger
        )

        // The small tables, whole.
        try await copyTable(
            source,
            target,
            "SELECT channel, token FROM checkpoints",
            "INSERT INTO checkpoints SELECT * FROM unnest($1::text[], $2::text[])",
            logger: logger
        ) {
            [$0.column("channel")?.string ?? "", $0.column("token")?.string ?? ""]
        }
        try await copyTable(
            source,
            target,
            "SELECT subscriber, CAST(offset AS TEXT) AS offset FROM subscriber_cursors",
            "INSERT INTO subscriber_cursors SELECT s, o::bigint FROM unnest($1::text[], $2::text[]) AS u(s, o)",
            logger: logger
        ) {
            [$0.column("subscriber")?.string ?? "", $0.column("offset")?.string ?? "0"]
        }
        try await copyTable(
            source,
            target,
            "SELECT id, customer_id FROM provisional_customers",
            "INSERT INTO provisional_customers SELECT i, nullif(c, '') FROM unnest($1::text[], $2::text[]) AS u(i, c)",
            logger: logger
        ) {
            [$0.column("id")?.string ?? "", $0.column("customer_id")?.string ?? ""]
        }
        try await copyTable(
            source,
            target,
            "SELECT subscriber, event_id, stream, CAST(offset AS TEXT) AS offset, CAST(attempts AS TEXT) AS attempts, last_error, "
                + "CAST(dead_at AS TEXT) AS dead_at FROM dead_letters",
            """
            INSERT INTO dead_letters SELECT s, e, st, o::bigint, a::int, l, d::double precision
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(s, e, st, o, a, l, d)
            """,
            logger: logger
        ) { row in
            ["subscriber", "event_id", "stream", "offset", "attempts", "last_error", "dead_at"].map { row.column($0)?.string ?? "" }
        }

        var streams: [String: Int64] = [:]
        for try await (stream, head) in try await target.query("SELECT stream, head FROM stream_heads", logger: logger).decode((String, Int64).self) {
            streams[stream] = head
        }
        logger.info("copied the SQLite log", metadata: ["events": "\(events)", "streams": "\(streams.count)"])
        return Report(events: events, streams: streams)
    }

    /// Copies a small table: each row as text columns, bound as one text array per column.
    private static func copyTable(
        _ source: SQLiteConnection,
        _ target: PostgresConnection,
        _ select: String,
        _ insert: String,
        logger: Logger,
        _ columns: (SQLiteRow) -> [String]
    ) async throws {
        let rows = try await source.query(select, []).map(columns)
        guard let width = rows.first?.count else { return }
        var binds = PostgresBindings(capacity: width)
        for column in 0..<width { binds.append(rows.map { $0[column] }) }
        try await target.query(PostgresQuery(unsafeSQL: insert, binds: binds), logger: logger)
    }
}
