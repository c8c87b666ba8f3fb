import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Logging
import NIOPosix
import SQLiteNIO
import Testing

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
        let raw = try await SQLiteConnection.open(storage: .file(path: directory + "/events.sqlite"), threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton.any())
        _ = try await raw.query("PRAGMA user_version = 99", [])
        try await raw.close()
        do {
            _ = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "test"))
            Issue.record("an older binary opened a newer log")
        } catch {
            #expect("\(error)".contains("the log's schema is version 99, newer than this listening-post knows (4)"), "\(error)")
        }
    }

    @Test func concurrentAppendsShareTransactionsAndGetGaplessOffsets() async throws {
        let directory = Self.temporaryDirectory()
        try await Self.withLog(directory: directory) { log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask { _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("k\(index)")])) }
                }
                try await group.waitForAll()
            }
            #expect(log.committedTransactions < 200, "group commit should merge concurrent appends")
            let entries = try await log.read(stream: "all", after: 0, limit: 1000)
            #expect(entries.map(\.offset) == Array(1...200))
            #expect(Set(entries.map(\.eventId)).count == 200)
            #expect(try await log.headOffset(stream: "web") == 200)
        }
    }

    @Test func duplicateReturnsTheOriginalIdAndStoresNothing() async throws {
        try await Self.withLog(directory: Self.temporaryDirectory()) { log in
            let first = try await log.append(AppendRequest(channel: "web", events: [Self.event("same")]))
            var again = Self.event("same")
            again.id = "a-new-id"
            let second = try await log.append(AppendRequest(channel: "web", events: [again]))
            #expect(first == [IngestReceipt(eventId: "id-same", duplicate: false)])
            #expect(second == [IngestReceipt(eventId: "id-same", duplicate: true)])
            // The same key on another channel is another message.
            let other = try await log.append(AppendRequest(channel: "sms", events: [Self.event("same-other")]))
            #expect(other[0].duplicate == false)
            #expect(try await log.read(stream: "all", after: 0, limit: 10).count == 2)
        }
    }

    @Test func repeatsInsideOneBatchAreStoredOnce() async throws {
        try await Self.withLog(directory: Self.temporaryDirectory()) { log in
            var twin = Self.event("twin")
            twin.id = "id-twin-2"
            let results = try await log.append(AppendRequest(channel: "web", events: [Self.event("twin"), twin]))
            #expect(results == [IngestReceipt(eventId: "id-twin", duplicate: false), IngestReceipt(eventId: "id-twin", duplicate: true)])
            #expect(try await log.read(stream: "web", after: 0, limit: 10).map(\.eventId) == ["id-twin"])
        }
    }

    @Test func checkpointAndCursorsCommitWithEventsAndSurviveReopen() async throws {
        let directory = Self.temporaryDirectory()
        try await Self.withLog(directory: directory) { log in
            _ = try await log.append(AppendRequest(channel: "mail", events: [Self.event("m1")], checkpoint: "uid:1", cursors: ["push-a": 1]))
            _ = try await log.append(AppendRequest(channel: "mail", events: [], checkpoint: "uid:2"))
        }
        try await Self.withLog(directory: directory) { log in
            #expect(try await log.checkpoint(channel: "mail") == "uid:2")
            #expect(try await log.cursor(subscriber: "push-a") == 1)
            #expect(try await log.headOffset(stream: "all") == 1)
            // Offsets continue after a restart.
            _ = try await log.append(AppendRequest(channel: "mail", events: [Self.event("m2")]))
            #expect(try await log.read(stream: "all", after: 0, limit: 10).map(\.offset) == [1, 2])
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

    @Test func appendsAfterShutdownAreRefusedNotLost() async throws {
        let log = try await SQLiteEventLog.open(directory: Self.temporaryDirectory(), logger: Logger(label: "test"))
        let runner = Task { try await log.run() }
        runner.cancel()
        _ = await runner.result
        await #expect(throws: EventLogError.self) {
            _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("late")]))
        }
    }
}
