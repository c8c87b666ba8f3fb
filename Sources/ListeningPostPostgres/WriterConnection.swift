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
            host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: settings.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: nextID.add(1, ordering: .relaxed).oldValue, logger: logger)
        current.withLock { $0 = connection }
        return connection
    }

    func close() async {
        // Not awaited past a second: see withConnection(timeout:).
        if let connection = current.withLock({ state in defer { state = nil }; return state }) {
            _ = try? await abandoning(after: .seconds(1)) { try await connection.close() }
        }
    }
}

/// A body that overran ``abandoning(after:_:)``'s limit.
struct QueryOverran: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "the PostgreSQL query did not finish within \(limit)" }
}

/// Runs `body` in a task of its own and returns its result, or throws ``QueryOverran`` after
/// `limit`, leaving the body behind (cancelled) rather than waiting for it. Unlike a task
/// group, which waits for every child, this returns even if `body` ignores cancellation.
func abandoning<T: Sendable>(after limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = OnceContinuation<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.set(continuation)
        let work = Task {
            do { outcome.resume(with: .success(try await body())) } catch { outcome.resume(with: .failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            if outcome.resume(with: .failure(QueryOverran(limit: limit))) { work.cancel() }
        }
        outcome.onResume { timer.cancel() }
    }
}

/// A continuation resumed once, by whichever of several tasks comes first.
private final class OnceContinuation<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var resumed = false
        var onResume: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Resumes unless already resumed; returns whether this call did.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        let (continuation, hook, first) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !state.resumed else { return (nil, nil, false) }
            state.resumed = true
            defer { state.continuation = nil }
            if state.continuation == nil { state.early = result }
            return (state.continuation, state.onResume, true)
        }
        continuation?.resume(with: result)
        hook?()
        return first
    }

    func onResume(_ hook: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            if state.resumed { return true }
            state.onResume = hook
            return false
        }
        if already { hook() }
    }
}
