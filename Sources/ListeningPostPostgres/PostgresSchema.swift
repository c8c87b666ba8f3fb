import ListeningPostStore
import Logging
import PostgresNIO

/// The PostgreSQL log's schema: versioned migrations, each applied once, in order, in its
/// own transaction, under an advisory lock so gateways starting together apply it once.
///
/// **Why a per-stream head row.** A sequence (or identity column) hands out numbers at
/// insert and its transactions commit in any order, so a reader resuming from `offset >
/// cursor` would skip rows that commit later. Each stream's offsets come instead from its
/// row in `stream_heads`, which the appending statement bumps (`ON CONFLICT DO UPDATE`
/// locks it) and holds until commit: the next append to that stream waits, so offsets
/// become visible in order, without gaps.
///
/// **Why one function.** postgres-nio does not pipeline, so a transaction of n statements
/// costs n + 2 round trips. `lp_append` does a whole group-committed batch in one call, and
/// a call outside an explicit transaction commits by itself: one round trip per batch.
enum PostgresSchema {
    /// Serialises migrations between gateways (any constant; "LPMG").
    static let migrationLock: Int64 = 0x4C50_4D47

    static let migrations: [(version: Int, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE events (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    id text NOT NULL,
                    channel text NOT NULL,
                    dedup_key text NOT NULL,
                    payload bytea NOT NULL,
                    UNIQUE (channel, dedup_key)
                )
                """,
                "CREATE INDEX events_by_id ON events (id)",
                "CREATE TABLE stream_heads (stream text PRIMARY KEY, head bigint NOT NULL)",
                """
                CREATE TABLE stream_entries (
                    stream text NOT NULL,
                    "offset" bigint NOT NULL,
                    seq bigint NOT NULL,
                    PRIMARY KEY (stream, "offset")
                )
                """,
                "CREATE TABLE checkpoints (channel text PRIMARY KEY, token text NOT NULL)",
                "CREATE TABLE subscriber_cursors (subscriber text PRIMARY KEY, \"offset\" bigint NOT NULL)",
                """
                CREATE TABLE dead_letters (
                    subscriber text NOT NULL,
                    event_id text NOT NULL,
                    stream text NOT NULL,
                    "offset" bigint NOT NULL,
                    attempts integer NOT NULL,
                    last_error text NOT NULL,
                    dead_at double precision NOT NULL,
                    PRIMARY KEY (subscriber, event_id)
                )
                """,
                "CREATE TABLE provisional_customers (id text PRIMARY KEY, customer_id text)",
            ]
        ),
        (
            2,
            [
                // Who runs each exclusive source (a mailbox, a push subscriber, the case timers):
                // `epoch` goes up at every takeover, and appends made under a lease carry it.
                """
                CREATE TABLE leases (
                    name text PRIMARY KEY,
                    holder text NOT NULL,
                    epoch bigint NOT NULL,
                    expires_at timestamptz NOT NULL,
                    acquired_at timestamptz NOT NULL
                )
                """,
                // A database first migrated by an earlier build has lp_append without fences.
                "DROP FUNCTION IF EXISTS lp_append(text[], text[], text[], bytea[], int[], text[], text[], text[], text[], "
                    + "bigint[], text[], text[], text[], text[], text[], text[], bigint[], int[], text[], double precision[], "
                    + "text[], text[])",
                appendFunction,
            ]
        ),
    ]

    /// The SQLSTATE `lp_append` raises when a lease it was given has moved on; the detail
    /// lists the stale leases, one `name<TAB>epoch` per line.
    static let staleLeaseState = "LPF01"

    /// One batch: new events (deduplicated by `UNIQUE (channel, dedup_key)`), their stream
    /// entries numbered from the locked heads, and the checkpoints, cursors and customer and
    /// dead-letter rows that commit with them. Returns a row per event (`stream` NULL: the
    /// stored id, and whether this call inserted it) and a row per new entry.
    ///
    /// **Fences first.** `fe_leases`/`fe_epochs` are the leases the batch's appends were
    /// made under. Their rows are locked `FOR SHARE` (so a takeover, which updates the row,
    /// waits for this commit, and the new holder then reads what it committed) and any whose
    /// epoch has moved on fails the whole call with ``staleLeaseState``: the caller refuses
    /// those appends and retries the rest.
    static let appendFunction = """
        CREATE OR REPLACE FUNCTION lp_append(
            ev_ids text[], ev_channels text[], ev_keys text[], ev_payloads bytea[],
            en_events int[], en_streams text[],
            cp_channels text[], cp_tokens text[],
            cu_subscribers text[], cu_offsets bigint[],
            pc_ids text[], ad_ids text[], ad_customers text[],
            dl_subscribers text[], dl_event_ids text[], dl_streams text[], dl_offsets bigint[], dl_attempts int[], dl_errors text[], dl_dead_at double precision[],
            dc_subscribers text[], dc_event_ids text[],
            fe_leases text[], fe_epochs bigint[]
        ) RETURNS TABLE (idx int, stored_id text, inserted boolean, stream text, "offset" bigint)
        LANGUAGE plpgsql AS $fn$
        #variable_conflict use_column
        DECLARE
            new_ids text[];
            new_seqs bigint[];
            stale text[];
        BEGIN
            IF cardinality(fe_leases) > 0 THEN
                PERFORM 1 FROM leases l WHERE l.name = ANY (fe_leases) ORDER BY l.name FOR SHARE;
                SELECT array_agg(f.lease || E'\\t' || f.epoch ORDER BY f.lease) INTO stale
                FROM unnest(fe_leases, fe_epochs) AS f(lease, epoch)
                WHERE NOT EXISTS (SELECT 1 FROM leases l WHERE l.name = f.lease AND l.epoch = f.epoch);
                IF stale IS NOT NULL THEN
                    RAISE EXCEPTION 'lease moved on: %', array_to_string(stale, ', ')
                        USING ERRCODE = '\(staleLeaseState)', DETAIL = array_to_string(stale, E'\\n');
                END IF;
            END IF;

            -- Keys in one fixed order: two gateways storing the same redelivered messages wait
            -- on each other's keys in that order, never in a cycle.
            WITH ins AS (
                INSERT INTO events (id, channel, dedup_key, payload)
                SELECT u.id, u.channel, u.key, u.payload
                FROM unnest(ev_ids, ev_channels, ev_keys, ev_payloads) AS u(id, channel, key, payload)
                ORDER BY u.channel, u.key
                ON CONFLICT (channel, dedup_key) DO NOTHING
                RETURNING events.id, events.seq)
            SELECT coalesce(array_agg(ins.id), '{}'), coalesce(array_agg(ins.seq), '{}') INTO new_ids, new_seqs FROM ins;

            -- Heads in stream order, so concurrent batches lock them in one order too.
            RETURN QUERY
            WITH wanted AS (
                SELECT en.ev, en.stream, en.ord, n.seq
                FROM unnest(en_events, en_streams) WITH ORDINALITY AS en(ev, stream, ord)
                JOIN unnest(new_ids, new_seqs) AS n(id, seq) ON n.id = ev_ids[en.ev]
            ), counts AS (
                SELECT w.stream, count(*) AS n FROM wanted w GROUP BY w.stream
            ), bumped AS (
                INSERT INTO stream_heads AS h (stream, head)
                SELECT c.stream, c.n FROM counts c ORDER BY c.stream
                ON CONFLICT (stream) DO UPDATE SET head = h.head + excluded.head
                RETURNING h.stream, h.head
            ), numbered AS (
                SELECT w.ev, w.stream, w.seq, b.head - c.n + row_number() OVER (PARTITION BY w.stream ORDER BY w.ord) AS off
                FROM wanted w JOIN counts c ON c.stream = w.stream JOIN bumped b ON b.stream = w.stream
            ), stored AS (
                -- Runs whether or not the query below reads it, as every data-modifying WITH does.
                INSERT INTO stream_entries (stream, "offset", seq) SELECT nb.stream, nb.off, nb.seq FROM numbered nb
            )
            SELECT nb.ev::int, NULL::text, true, nb.stream, nb.off::bigint FROM numbered nb;

            -- Inserted ones by id; only the others (duplicates) need the dedup index.
            RETURN QUERY
            SELECT u.ord::int, u.id, true, NULL::text, NULL::bigint
            FROM unnest(ev_ids) WITH ORDINALITY AS u(id, ord)
            JOIN unnest(new_ids) AS n(id) ON n.id = u.id;
            IF cardinality(new_ids) < cardinality(ev_ids) THEN
                RETURN QUERY
                SELECT u.ord::int, e.id, false, NULL::text, NULL::bigint
                FROM unnest(ev_ids, ev_channels, ev_keys) WITH ORDINALITY AS u(id, channel, key, ord)
                LEFT JOIN unnest(new_ids) AS n(id) ON n.id = u.id
                JOIN events e ON e.channel = u.channel AND e.dedup_key = u.key
                WHERE n.id IS NULL;
            END IF;

            -- Each only when the batch has rows for it: a statement's executor start costs
            -- more than the few rows most batches carry.
            IF cardinality(cp_channels) > 0 THEN
                INSERT INTO checkpoints AS c (channel, token)
                SELECT * FROM unnest(cp_channels, cp_tokens) ORDER BY 1
                ON CONFLICT (channel) DO UPDATE SET token = excluded.token;
            END IF;
            IF cardinality(cu_subscribers) > 0 THEN
                INSERT INTO subscriber_cursors AS c (subscriber, "offset")
                SELECT * FROM unnest(cu_subscribers, cu_offsets) ORDER BY 1
                ON CONFLICT (subscriber) DO UPDATE SET "offset" = excluded."offset";
            END IF;
            IF cardinality(pc_ids) > 0 THEN
                INSERT INTO provisional_customers (id) SELECT DISTINCT * FROM unnest(pc_ids) ORDER BY 1 ON CONFLICT (id) DO NOTHING;
            END IF;
            IF cardinality(ad_ids) > 0 THEN
                INSERT INTO provisional_customers AS p (id, customer_id)
                SELECT * FROM unnest(ad_ids, ad_customers) ORDER BY 1
                ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id;
            END IF;
            IF cardinality(dl_subscribers) > 0 THEN
                INSERT INTO dead_letters AS d (subscriber, event_id, stream, "offset", attempts, last_error, dead_at)
                SELECT * FROM unnest(dl_subscribers, dl_event_ids, dl_streams, dl_offsets, dl_attempts, dl_errors, dl_dead_at)
                ON CONFLICT (subscriber, event_id) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error, dead_at = excluded.dead_at;
            END IF;
            IF cardinality(dc_subscribers) > 0 THEN
                DELETE FROM dead_letters d USING unnest(dc_subscribers, dc_event_ids) AS k(subscriber, event_id)
                WHERE d.subscriber = k.subscriber AND d.event_id = k.event_id;
            END IF;
        END
        $fn$
        """
}

extension PostgresSchema {
    /// The schema version this binary writes.
    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is missing, in one transaction per version, holding the migration lock.
    /// Refuses a database a newer gateway migrated past this binary's version.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS lp_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var version = 0
            for try await applied in try await connection.query("SELECT coalesce(max(version), 0) FROM lp_schema_migrations", logger: logger).decode(
                Int.self
            ) {
                version = applied
            }
            guard version <= currentVersion else {
                throw EventLogError(
                    description:
                        "the database's schema is version \(version), newer than this listening-post knows (\(currentVersion)); run the newer binary"
                )
            }
            for migration in migrations where migration.version > version {
                for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO lp_schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                logger.info("applied PostgreSQL schema migration", metadata: ["version": "\(migration.version)"])
            }
        }
    }

    /// The version a database is at (0: never migrated), without changing it.
    static func version(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        var exists = false
        for try await found in try await connection.query("SELECT to_regclass('lp_schema_migrations') IS NOT NULL", logger: logger).decode(Bool.self)
        { exists = found }
        guard exists else { return 0 }
        for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM lp_schema_migrations", logger: logger).decode(
            Int.self
        ) { return version }
        return 0
    }
}
