import ListeningPostCore
import ListeningPostStore
import Testing

@Suite struct ServerSentEventParserTests {
    /// The WHATWG spec's examples, whole and fed one byte at a time.
    @Test(arguments: [1, 2, 3, 7, 1000])
    func specExamplesInAnySplit(_ chunkSize: Int) {
        let stream = Array("data: YHOO\ndata: +2\ndata: 10\n\n: a comment\n\ndata:test\r\n\r\nevent: add\nid: 42\ndata: a\rdata\r\r".utf8)
        var parser = ServerSentEventParser()
        var events: [ServerSentEventParser.Event] = []
        for start in stride(from: 0, to: stream.count, by: chunkSize) {
            events += parser.feed(stream[start..<min(stream.count, start + chunkSize)])
        }
        #expect(
            events == [
                .init(type: "message", data: "YHOO\n+2\n10", lastEventId: ""),
                .init(type: "message", data: "test", lastEventId: ""),
                .init(type: "add", data: "a\n", lastEventId: "42"),
            ]
        )
    }

    @Test func roundTripsFramesTheServerWrites() {
        let frame = ServerSentEvents.frame(id: "7", event: "com.example.v1", data: Array("{\"a\":1}\nsecond".utf8))
        var parser = ServerSentEventParser()
        let events = parser.feed(ServerSentEvents.retry(milliseconds: 2000) + ServerSentEvents.comment("heartbeat") + frame)
        #expect(events == [.init(type: "com.example.v1", data: "{\"a\":1}\nsecond", lastEventId: "7")])
        #expect(parser.retry == 2000)
    }

    @Test func unterminatedEventAtEndIsNotDispatched() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data: half".utf8)).isEmpty)
    }
}
