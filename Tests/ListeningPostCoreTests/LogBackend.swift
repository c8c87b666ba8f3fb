import Foundation
import ListeningPostCore
import ListeningPostPostgres
import ListeningPostStore
import ListeningPostTesting
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// The two logs the conformance tests run against: the embedded SQLite one, and the shared
/// PostgreSQL one on a real server (``PostgresFixture``).
enum LogBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Somewhere new to keep a log: a directory, or a database's URL.
    func freshPlace() -> String {
        switch self {
        case .sqlite: TemporaryDirectory.make("lp-log")
        case .postgres: PostgresFixture.shared.freshDatabase("log")
        }
    }

    func open(
        _ place: String,
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void = { _ in },
        followUps: (any FollowUpPlanner)? = nil,
        pollInterval: Duration = .seconds(1),
        listensForHints: Bool = true
    ) async throws -> any DurableEventLog {
        switch self {
        case .sqlite:
            return try await SQLiteEventLog.open(directory: place, logger: Logger(label: "test"), onCommit: onCommit, followUps: followUps)
        case .postgres:
            let settings = try PostgresSettings.parse(url: place).get()
            var logger = Logger(label: "test")
            if let level = ProcessInfo.processInfo.environment["LP_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) { logger.logLevel = level }
            return try await PostgresEventLog.open(
                settings: settings,
                logger: logger,
                onCommit: onCommit,
                followUps: followUps,
                pollInterval: pollInterval,
                listensForHints: listensForHints
            )
        }
    }

    /// Opens a log at `place`, runs it around `body`, then shuts it down gracefully.
    func withLog<T: Sendable>(
        _ place: String,
        onCommit: @escaping @Sendable ([StreamEntry]) -> Void = { _ in },
        followUps: (any FollowUpPlanner)? = nil,
        _ body: @Sendable (any DurableEventLog) async throws -> T
    ) async throws -> T {
        let log = try await open(place, onCommit: onCommit, followUps: followUps)
        return try await Self.running(log, body)
    }

    static func running<T: Sendable>(_ log: any DurableEventLog, _ body: @Sendable (any DurableEventLog) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await log.run()
                return nil
            }
            do {
                let result = try await body(log)
                group.cancelAll()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
