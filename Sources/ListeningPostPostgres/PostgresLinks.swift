import ListeningPostStore
import Logging
import PostgresNIO

/// A few ``WriterConnection``s shared by the log's reads (subscribers, the API).
///
/// Written here rather than using `PostgresClient`'s pool: with postgres-nio 1.33.2, after
/// backends were terminated under load (a failover, `pg_terminate_backend`) that pool stopped
/// handing out connections and every read waited forever (seen in
/// SharedPostgresLogTests.connectionsCutMidAppendAreRetriedWithoutLossOrDuplicates). Each
/// link here reconnects by itself and drops a connection whose query overruns.
public actor PostgresLinks {
    private var idle: [WriterConnection]
    private var waiting: [CheckedContinuation<WriterConnection, Never>] = []

    private let size: Int

    init(settings: PostgresSettings, count: Int, logger: Logger) {
        size = max(1, count)
        idle = (0..<size).map { _ in WriterConnection(settings: settings, logger: logger) }
    }

    /// Links in use, callers waiting for one, and how many there are: for the metrics.
    public var use: (busy: Int, waiting: Int, size: Int) { (size - idle.count, waiting.count, size) }

    /// Runs `body` on a free link's connection, waiting for one if all are busy.
    nonisolated func with<T: Sendable>(
        timeout: Duration = .seconds(30),
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let link = await acquire()
        defer { Task { await self.release(link) } }
        return try await link.withConnection(timeout: timeout, body)
    }

    private func acquire() async -> WriterConnection {
        if let link = idle.popLast() { return link }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func release(_ link: WriterConnection) {
        if waiting.isEmpty { idle.append(link) } else { waiting.removeFirst().resume(returning: link) }
    }

    /// Closes every idle link.
    func close() async {
        for link in idle { await link.close() }
    }
}
