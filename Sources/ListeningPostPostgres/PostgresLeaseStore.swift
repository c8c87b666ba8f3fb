import ListeningPostStore
import Logging
import PostgresNIO

/// Leases in the shared database's `leases` table, on a connection of their own so a
/// renewal never queues behind reads or commits (one statement at a time, as a connection
/// takes them). Expiry is by the database's clock.
public final class PostgresLeaseStore: LeaseStore {
    public func describe(_ error: any Error) -> String { PostgresEventLog.describe(error) }

    private let connection: PostgresLinks
    private let logger: Logger
    /// Each statement's own limit: a renewal that hangs must fail in time to retry.
    private let timeout: Duration = .seconds(3)

    public init(settings: PostgresSettings, logger: Logger) {
        self.connection = PostgresLinks(settings: settings, count: 1, logger: logger)
        self.logger = logger
    }

    public func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Int64? {
        let milliseconds = Self.milliseconds(ttl)
        let logger = self.logger
        return try await connection.with(timeout: timeout) { connection in
            // A free name is inserted at epoch 1; an expired one changes holder and epoch;
            // a running one is left alone and nothing is returned.
            let rows = try await connection.query(
                """
                INSERT INTO leases AS l (name, holder, epoch, expires_at, acquired_at)
                VALUES (\(name), \(holder), 1, now() + \(milliseconds) * interval '1 millisecond', now())
                ON CONFLICT (name) DO UPDATE
                    SET holder = excluded.holder, epoch = l.epoch + 1, expires_at = excluded.expires_at, acquired_at = now()
                    WHERE l.expires_at <= now()
                RETURNING l.epoch
                """,
                logger: logger
            )
            for try await epoch in rows.decode(Int64.self) { return epoch }
            return nil
        }
    }

    public func renew(_ name: String, holder: String, epoch: Int64, ttl: Duration) async throws -> Bool {
        let milliseconds = Self.milliseconds(ttl)
        let logger = self.logger
        return try await connection.with(timeout: timeout) { connection in
            // Past its expiry but not taken over is still ours: the epoch is the fence.
            let rows = try await connection.query(
                """
                UPDATE leases SET expires_at = now() + \(milliseconds) * interval '1 millisecond'
                WHERE name = \(name) AND holder = \(holder) AND epoch = \(epoch)
                RETURNING epoch
                """,
                logger: logger
            )
            for try await _ in rows.decode(Int64.self) { return true }
            return false
        }
    }

    public func release(_ name: String, holder: String, epoch: Int64) async throws {
        let logger = self.logger
        try await connection.with(timeout: timeout) { connection in
            try await connection.query(
                "UPDATE leases SET expires_at = now() WHERE name = \(name) AND holder = \(holder) AND epoch = \(epoch)",
                logger: logger
            )
        }
    }

    public func close() async { await connection.close() }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
