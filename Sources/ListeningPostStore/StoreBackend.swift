import Logging

/// How to open one kind of log: the embedded SQLite one here, the shared PostgreSQL one in
/// `ListeningPostPostgres` (``StoreBackend/postgres(settings:lock:)``). The ``EventStore``
/// opens whichever it is given and needs to know nothing more of it.
public struct StoreBackend: Sendable {
    /// What the log is told to do as it commits.
    public struct Hooks: Sendable {
        /// Called in commit order with the new entries, after each commit.
        public var onCommit: @Sendable ([StreamEntry]) -> Void
        /// Each append's time from request to commit.
        public var appendLatency: @Sendable (Duration) -> Void
        /// Plans, inside each transaction, what newly stored events cause.
        public var followUps: (any FollowUpPlanner)?

        /// Creates hooks.
        public init(
            onCommit: @escaping @Sendable ([StreamEntry]) -> Void = { _ in },
            appendLatency: @escaping @Sendable (Duration) -> Void = { _ in },
            followUps: (any FollowUpPlanner)? = nil
        ) {
            self.onCommit = onCommit
            self.appendLatency = appendLatency
            self.followUps = followUps
        }
    }

    /// Where the log is, for the start-up line (secrets redacted).
    public var description: String
    /// Opens the log with these hooks.
    public var open: @Sendable (_ hooks: Hooks, _ logger: Logger) async throws -> any DurableEventLog

    /// Creates a backend from its opener.
    public init(description: String, open: @escaping @Sendable (_ hooks: Hooks, _ logger: Logger) async throws -> any DurableEventLog) {
        self.description = description
        self.open = open
    }

    /// The embedded log: SQLite in WAL mode in `directory`, which it locks for this process.
    public static func sqlite(directory: String) -> StoreBackend {
        StoreBackend(description: "SQLite in \(directory)") { hooks, logger in
            try await SQLiteEventLog.open(
                directory: directory,
                logger: logger,
                onCommit: hooks.onCommit,
                appendLatency: hooks.appendLatency,
                followUps: hooks.followUps
            )
        }
    }
}
