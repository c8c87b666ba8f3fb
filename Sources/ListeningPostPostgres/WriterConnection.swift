import ListeningPostStore
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection of the commit loop's own, opened on first use and again after it broke.
/// One caller at a time (the commit loop, the listener, a ``PostgresLinks`` link): two
/// opening it at once would each connect, and one connection would be dropped unclosed.
///
/// `withConnection(timeout:)` closes the connection when the body overruns: a query on a
/// connection that died without a word (a network partition) would otherwise wait for TCP to
/// notice, and every append with it. Closing fails the query, and the caller's retry opens a
/// new connection.
final class WriterConnection: Sendable {
    private let settings: PostgresSettings
    private let logger: Logger
    private let current = Mutex<PostgresConnection?>(nil)
    private let nextID = Atomic<Int>(1)

    init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    func withConnection<T: Sendable>(timeout: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await open()
        do {
            return try await abandoning(after: timeout) { try await body(connection) }
        } catch let error as QueryOverran {
            // Seen with postgres-nio after a backend was terminated mid-query: the query never
            // completed and closing the connection waited on it too. So the body is left behind
            // (an append it still commits is idempotent, and read back like another gateway's)
            // and the connection is dropped without waiting.
            logger.warning("a PostgreSQL query took longer than \(timeout); dropping its connection")
            current.withLock { if $0 === connection { $0 = nil } }
            let closing: EventLoopFuture<Void> = connection.close()
            closing.whenComplete { _ in }
            throw error
        }
    }

    /// LISTENs for the log's commit hints until the connection fails, calling `hint` with
    /// each payload after first calling it once with an empty one: a (re)connect may have
    /// missed some.
    func listen(_ hint: @escaping @Sendable (String) -> Void) async throws {
        let connection = try await open()
        try await connection.listen(on: PostgresEventLog.commitChannel) { notifications in
            hint("")
            for try await notification in notifications { hint(notification.payload) }
        }
    }

    private func open() async throws -> PostgresConnection {
        if let connection = current.withLock({ $0 }), !connection.isClosed { return connection }
        let tls: PostgresConnection.Configuration.TLS
        switch settings.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(5)
        let connection = try await PostgresConnection.connect(
            configuration: configuration,
            id: nextID.add(1, ordering: .relaxed).oldValue,
            logger: logger
        )
        current.withLock { $0 = connection }
        return connection
    }

    func close() async {
        // Not awaited past a second: see withConnection(timeout:).
        if let connection = current.withLock({ state in
            defer { state = nil }
            return state
        }) {
            // The close runs in a task of its own that holds the connection until it is
            // closed: waiting is abandoned after a second, the close itself never cancelled
            // (a connection released before its close completes trips PostgresNIO's assertion).
            let closing = Task { try? await connection.close() }
            _ = try? await abandoning(after: .seconds(1)) { await closing.value }
        }
    }
}
