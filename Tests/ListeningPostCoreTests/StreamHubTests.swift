import Foundation
import ListeningPostCore
import ListeningPostStore
import ListeningPostTesting
import Logging
import Synchronization
import Testing

@Suite struct StreamHubTests {
    @Test func subscriberBehindTheMemoryWindowReadsTheLogAndMissesNothing() async throws {
        let directory = SQLiteEventLogTests.temporaryDirectory()
        let box = Mutex<StreamHub?>(nil)
        let log = try await SQLiteEventLog.open(
            directory: directory,
            logger: Logger(label: "t"),
            onCommit: { entries in
                box.withLock { $0 }?.publish(entries)
            }
        )
        let hub = StreamHub(log: log, recentCapacity: 10)
        box.withLock { $0 = hub }
        let runner = Task { try await log.run() }
        for index in 1...50 {
            _ = try await log.append(AppendRequest(channel: "web", events: [SQLiteEventLogTests.event("k\(index)")]))
        }
        var cursor: Int64 = 0
        var seen: [Int64] = []
        while true {
            let batch = try await hub.entries(stream: "all", after: cursor, limit: 7)
            guard let last = batch.last else { break }
            seen += batch.map(\.offset)
            cursor = last.offset
        }
        #expect(seen == Array(1...50))
        runner.cancel()
        _ = await runner.result
    }

    /// The waiter's own timeout is 30 s, and the hub's ticker would only expire it then: a
    /// waiter back within 2 s was woken by the publish.
    @Test func waitingSubscriberWakesOnPublish() async throws {
        let log = try await SQLiteEventLog.open(directory: SQLiteEventLogTests.temporaryDirectory(), logger: Logger(label: "t"))
        let hub = StreamHub(log: log)
        let waiter = Task { try await within(.seconds(2)) { await hub.waitForEntries(stream: "all", after: 0, timeout: .seconds(30)) } }
        try await Task.sleep(for: .milliseconds(50))
        hub.publish([StreamEntry(stream: "all", offset: 1, eventId: "e1", payload: [])])
        #expect(try await waiter.value == true, "the waiter was not woken by the publish")
        #expect(await hub.waitForEntries(stream: "all", after: 1, timeout: .milliseconds(20)) == false)
        await log.close()
    }
}
