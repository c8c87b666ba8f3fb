import ListeningPostStore
import Logging
import PostgresNIO

/// What `check` and `migrate` ask of the database without opening the log.
public enum PostgresDatabaseCheck {
    /// The schema version the database is at (0: never migrated) and this binary's.
    public struct SchemaVersions: Sendable, Equatable {
        public var database: Int
        public var binary: Int
    }

    /// Connects and reads the schema version. Throws an ``EventLogError`` naming the URL
    /// (never the password) when the database cannot be reached in `timeout`.
    public static func versions(_ settings: PostgresSettings, timeout: Duration = .seconds(10)) async throws -> SchemaVersions {
        let logger = Logger(label: "listening-post.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let link = WriterConnection(settings: settings, logger: logger)
        defer { Task { await link.close() } }
        do {
            // Connecting has its own 5 s limit (WriterConnection); the timeout covers the query.
            let version = try await link.withConnection(timeout: timeout) { try await PostgresSchema.version($0, logger: logger) }
            return SchemaVersions(database: version, binary: PostgresSchema.currentVersion)
        } catch {
            throw EventLogError(description: "cannot reach \(settings.redactedURL): \(PostgresEventLog.describe(error))")
        }
    }

    /// Applies the migrations this binary knows; returns the versions before and after.
    public static func migrate(_ settings: PostgresSettings, logger: Logger, timeout: Duration = .seconds(60)) async throws -> (from: Int, to: Int) {
        let link = WriterConnection(settings: settings, logger: logger)
        defer { Task { await link.close() } }
        do {
            return try await link.withConnection(timeout: timeout) { connection in
                let before = try await PostgresSchema.version(connection, logger: logger)
                try await PostgresSchema.migrate(connection, logger: logger)
                return (before, try await PostgresSchema.version(connection, logger: logger))
            }
        } catch let error as EventLogError {
            throw error
        } catch {
            throw EventLogError(description: "cannot migrate \(settings.redactedURL): \(PostgresEventLog.describe(error))")
        }
    }
}
