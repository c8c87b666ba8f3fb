import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import ListeningPostTesting
import Logging
import NIOPosix
import SQLiteNIO
import Testing

/// What only the SQLite log has; the shared contract is EventLogConformanceTests.
@Suite struct SQLiteEventLogTests {
    static func temporaryDirectory() -> String {
        TemporaryDirectory.make("lp-log")
    }

    static func event(_ key: String, streams: [String] = ["all", "web"]) -> PreparedEvent {
        PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array("{\"key\":\"\(key)\"}".utf8), streams: streams)
    }

    /// Opens a log, runs it as a service around `body`, then shuts it down gracefully.
    static func withLog<T: Sendable>(directory: String, _ body: @Sendable (SQLiteEventLog) async throws -> T) async throws -> T {
        let log = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await log.run()
                return nil
            }
            let result = try await body(log)
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    @Test func aLogFromANewerSchemaIsRefusedNamingBothVersions() async throws {
        let directory = Self.temporaryDirectory()
        try await Self.withLog(directory: directory) { _ in }
        let raw = try await SQLiteConnection.open(
            storage: .file(path: directory + "/events.sqlite"),
            threadPool: .singleton,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        _ = try await raw.query("PRAGMA user_version = 99", [])
        try await raw.close()
        do {
            _ = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "test"))
            Issue.record("an older binary opened a newer log")
        } catch {
            #expect("\(error)".contains("the log's schema is version 99, newer than this listening-post knows (4)"), "\(error)")
        }
    }

    @Test func secondGatewayOnTheSameDirectoryIsRefused() async throws {
        let directory = Self.temporaryDirectory()
        let first = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "test"))
        await #expect(throws: EventLogError.self) {
            _ = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "test"))
        }
        await first.close()
    }
}
