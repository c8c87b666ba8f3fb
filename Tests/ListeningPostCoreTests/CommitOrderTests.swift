import Testing

@testable import ListeningPostCore
@testable import ListeningPostPostgres
@testable import ListeningPostStore

/// The ordering a gateway applies to its own and other gateways' commits.
@Suite struct CommitOrderTests {
    static func entry(_ stream: String, _ offset: Int64) -> StreamEntry {
        StreamEntry(stream: stream, offset: offset, eventId: "\(stream)-\(offset)", payload: [])
    }

    @Test func entriesPastAHoleWaitForItAndAreThenHandedOnInOrder() {
        var order = CommitOrder(delivered: ["all": 2])
        #expect(order.offer([Self.entry("all", 5), Self.entry("web", 1)]).map(\.eventId) == ["web-1"])
        #expect(order.gaps.map { "\($0.stream) \($0.after)...\($0.through)" } == ["all 2...4"])
        // The hole filled in two reads: the first releases nothing held, the second all.
        #expect(order.offer([Self.entry("all", 3)]).map(\.offset) == [3])
        #expect(order.offer([Self.entry("all", 4), Self.entry("all", 6)]).map(\.offset) == [4, 5, 6])
        #expect(order.gaps.isEmpty)
        #expect(order.head("all") == 6)
    }

    @Test func offsetsAlreadyHandedOnAreDroppedNotRepeated() {
        var order = CommitOrder(delivered: ["all": 3])
        #expect(order.offer([Self.entry("all", 2), Self.entry("all", 3)]).isEmpty)
        #expect(order.offer([Self.entry("all", 4), Self.entry("all", 4)]).map(\.offset) == [4])
        #expect(order.gaps.isEmpty)
    }

    @Test func whatARebuildReadIsSkippedAndOnlyWhatFollowsIsHandedOn() {
        var order = CommitOrder(delivered: ["cases": 2])
        #expect(order.offer([Self.entry("cases", 4)]).isEmpty)
        #expect(order.offer([Self.entry("cases", 7)]).isEmpty)
        // The projection's replay read through 5: 4 is dropped, 7 waits for 6.
        #expect(order.skip("cases", through: 5).isEmpty)
        #expect(order.head("cases") == 5)
        #expect(order.gaps.map { "\($0.stream) \($0.after)...\($0.through)" } == ["cases 5...6"])
        #expect(order.offer([Self.entry("cases", 5), Self.entry("cases", 6)]).map(\.offset) == [6, 7])
        #expect(order.gaps.isEmpty)
        // Skipping backwards changes nothing.
        #expect(order.skip("cases", through: 1).isEmpty)
        #expect(order.head("cases") == 7)
    }
}
