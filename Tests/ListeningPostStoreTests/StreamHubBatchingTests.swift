import Foundation
import ListeningPostStore
import ListeningPostTesting
import Logging
import NIOCore
import Testing

/// With more subscribers than `coalesceAbove` waiting on a stream, a publish wakes them
/// together a moment later rather than at once, so each writes several events in one go,
/// and the frames they read are encoded once and shared.
@Suite struct StreamHubBatchingTests {
    static func entry(_ offset: Int64) -> StreamEntry {
        StreamEntry(stream: "all", offset: offset, eventId: "e\(offset)", payload: Array(#"{"id":"e\#(offset)","type":"t"}"#.utf8))
    }

    static func hub(coalesceAbove: Int, window: Duration) async throws -> (StreamHub, any DurableEventLog) {
        let log = try await SQLiteEventLog.open(directory: TemporaryDirectory.make("lp-hub"), logger: Logger(label: "t"))
        return (StreamHub(log: log, coalesceAbove: coalesceAbove, coalescingWindow: window), log)
    }

    /// Waiters on `all`, each returning whether it woke with something new.
    static func waiters(_ count: Int, on hub: StreamHub) -> [Task<Bool, Never>] {
        (0..<count).map { _ in Task { await hub.waitForEntries(stream: "all", after: 0, timeout: .seconds(30)) } }
    }

    @Test func fewWaitersWakeAtOnce() async throws {
        let (hub, log) = try await Self.hub(coalesceAbove: 4, window: .seconds(30))
        let waiting = Self.waiters(2, on: hub)
        try await Task.sleep(for: .milliseconds(100))
        hub.publish([Self.entry(1)])
        for waiter in waiting { #expect(try await within(.seconds(2)) { await waiter.value } == true) }
        await log.close()
    }

    @Test func manyWaitersAreWokenTogetherAfterTheWindowNotAtThePublish() async throws {
        let (hub, log) = try await Self.hub(coalesceAbove: 2, window: .milliseconds(400))
        let waiting = Self.waiters(3, on: hub)
        try await Task.sleep(for: .milliseconds(100))
        hub.publish([Self.entry(1)])
        hub.publish([Self.entry(2)])
        // Not woken by the publish itself…
        #expect(try await within(.milliseconds(150)) { await waiting[0].value } == nil)
        // …but by the one coalesced wake-up, well before their own 30 s timeout.
        for waiter in waiting { #expect(try await within(.seconds(3)) { await waiter.value } == true) }
        await log.close()
    }

    @Test func subscribersAtTheSameOffsetShareOneEncodedBatch() async throws {
        let (hub, log) = try await Self.hub(coalesceAbove: 2, window: .milliseconds(5))
        hub.publish([Self.entry(1), Self.entry(2), Self.entry(3)])
        let first = try #require(try await hub.frames(stream: "all", after: 0, limit: 100))
        let second = try #require(try await hub.frames(stream: "all", after: 0, limit: 100))
        #expect(first.last == 3 && second.last == 3)
        #expect(first.frames == second.frames)
        let text = String(buffer: first.frames)
        #expect(text.components(separatedBy: "id: ").count - 1 == 3)
        await log.close()
    }
}
