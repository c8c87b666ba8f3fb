import Testing

@testable import ExecAdapter

/// Lines split across reads, CRLF, blank lines, an oversized line skipped up to its
/// newline, and a half-written last line.
struct ExecLineFramerTests {
    private func feed(_ framer: inout ExecLineFramer, _ text: String) -> [ExecLineFramer.Piece] {
        Array(text.utf8).withUnsafeBytes { framer.append($0) }
    }

    @Test func linesSplitAcrossReadsComeOutWhole() {
        var framer = ExecLineFramer(maxLineSize: 64)
        #expect(feed(&framer, "{\"a\":") == [])
        #expect(feed(&framer, "1}\n{\"b\":2}\r\n\n{\"c\"") == [.line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\":2}".utf8))])
        #expect(feed(&framer, ":3}\n") == [.line(Array("{\"c\":3}".utf8))])
        #expect(framer.finish() == nil)
    }

    @Test func anOversizedLineIsReportedOnceAndSkippedToItsNewline() {
        var framer = ExecLineFramer(maxLineSize: 8)
        #expect(feed(&framer, "12345") == [])
        #expect(feed(&framer, "6789") == [])
        #expect(feed(&framer, String(repeating: "x", count: 100)) == [])
        #expect(feed(&framer, "end\nok\n") == [.oversized(byteCount: 112), .line(Array("ok".utf8))])
    }

    @Test func aLineOfExactlyTheLimitIsKept() {
        var framer = ExecLineFramer(maxLineSize: 4)
        #expect(feed(&framer, "abcd\nabcde\n") == [.line(Array("abcd".utf8)), .oversized(byteCount: 5)])
    }

    @Test func aHalfWrittenLastLineIsDroppedAndCounted() {
        var framer = ExecLineFramer(maxLineSize: 64)
        #expect(feed(&framer, "{\"a\":1}\n{\"b\"") == [.line(Array("{\"a\":1}".utf8))])
        #expect(framer.finish() == 4)
    }
}
