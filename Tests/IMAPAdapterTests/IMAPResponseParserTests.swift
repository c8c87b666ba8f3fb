import Testing

@testable import IMAPAdapter

/// The framer and tokenizer, fed whole and byte by byte.
struct IMAPResponseParserTests {
    static let session: [UInt8] = Array(
        ("* OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\r\n"
            + "* 3 EXISTS\r\n"
            + "* OK [UIDVALIDITY 1795000000] UIDs valid\r\n"
            + "* 1 FETCH (UID 7 RFC822.SIZE 11 FLAGS (\\Seen $Forwarded) BODY[] {12}\r\nHello\r\nWorld)\r\n"
            + "* 2 FETCH (UID 8 BODY[HEADER.FIELDS (SUBJECT)] {0}\r\n INTERNALDATE \"23-Nov-2026 09:15:02 +0000\")\r\n"
            + "* SEARCH 7 8 9\r\n"
            + "+ idling\r\n"
            + "A2 OK [READ-ONLY] Fetch completed (0.001 + 0.000 secs).\r\n").utf8
    )

    static let expected: [IMAPResponse] = [
        .status(status: "OK", text: "[CAPABILITY IMAP4rev1 IDLE] Dovecot ready."),
        .data([.atom("3"), .atom("EXISTS")]),
        .status(status: "OK", text: "[UIDVALIDITY 1795000000] UIDs valid"),
        .data([
            .atom("1"), .atom("FETCH"),
            .list([
                .atom("UID"), .atom("7"), .atom("RFC822.SIZE"), .atom("11"), .atom("FLAGS"), .list([.atom("\\Seen"), .atom("$Forwarded")]),
                .atom("BODY[]"), .bytes(Array("Hello\r\nWorld".utf8)),
            ]),
        ]),
        .data([
            .atom("2"), .atom("FETCH"),
            .list([
                .atom("UID"), .atom("8"), .atom("BODY[HEADER.FIELDS (SUBJECT)]"), .bytes([]), .atom("INTERNALDATE"),
                .bytes(Array("23-Nov-2026 09:15:02 +0000".utf8)),
            ]),
        ]),
        .data([.atom("SEARCH"), .atom("7"), .atom("8"), .atom("9")]),
        .continuation("idling"),
        .tagged(tag: "A2", status: "OK", text: "[READ-ONLY] Fetch completed (0.001 + 0.000 secs)."),
    ]

    static func drain(_ parser: inout IMAPResponseParser) throws -> [IMAPResponse] {
        var responses: [IMAPResponse] = []
        while let response = try parser.next() { responses.append(response) }
        return responses
    }

    @Test func parsesAWholeSession() throws {
        var parser = IMAPResponseParser(maxLiteralSize: 1 << 20)
        parser.feed(Self.session)
        #expect(try Self.drain(&parser) == Self.expected)
        #expect(parser.bufferedCount == 0)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func parsesTheSameSessionInAnySplit(_ chunk: Int) throws {
        var parser = IMAPResponseParser(maxLiteralSize: 1 << 20)
        var responses: [IMAPResponse] = []
        for start in stride(from: 0, to: Self.session.count, by: chunk) {
            parser.feed(Self.session[start..<min(start + chunk, Self.session.count)])
            responses += try Self.drain(&parser)
        }
        #expect(responses == Self.expected)
    }

    @Test func refusesALiteralAboveTheLimitBeforeReadingIt() {
        var parser = IMAPResponseParser(maxLiteralSize: 100)
        parser.feed(Array("* 1 FETCH (UID 1 BODY[] {5000000000}\r\n".utf8))
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try parser.next() }
    }

    @Test func waitsForTheWholeLiteral() throws {
        var parser = IMAPResponseParser(maxLiteralSize: 100)
        parser.feed(Array("* 1 FETCH (BODY[] {10}\r\n12345".utf8))
        #expect(try parser.next() == nil)
        parser.feed(Array("67890)\r\n".utf8))
        #expect(try parser.next() == .data([.atom("1"), .atom("FETCH"), .list([.atom("BODY[]"), .bytes(Array("1234567890".utf8))])]))
    }

    @Test func rejectsGarbage() {
        var parser = IMAPResponseParser(maxLiteralSize: 100)
        parser.feed(Array("HTTP/1.1 400 Bad Request\r\n".utf8))
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try parser.next() }
    }

    /// Found by the `imap-response` fuzz target (docs/fuzzing.md): a `)` with no list open
    /// made the tokenizer loop for ever. Its input is kept in Fuzz/seeds/imap-response.
    @Test func aStrayCloseParenthesisIsAnErrorNotALoop() {
        var parser = IMAPResponseParser(maxLiteralSize: 100)
        parser.feed(Array("* 1 FEID 4 RFCorwld\0\0\0\0\0\0)\r\n".utf8))
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try parser.next() }
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try IMAPResponseParser.parse(Array("* 2 FETCH (UID 5))\r\n".utf8)[...]) }
    }

    /// Found by the fuzz target: a literal length too long for an Int trapped the tokenizer.
    @Test func anOverlongLiteralLengthIsAnErrorNotATrap() {
        let line = Array("* 1 FETCH (BODY[] {0666666666666666666666666}\r\nx)\r\n".utf8)
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try IMAPResponseParser.parse(line[...]) }
        var parser = IMAPResponseParser(maxLiteralSize: 100)
        parser.feed(line)
        #expect(throws: IMAPResponseParser.ProtocolError.self) { _ = try parser.next() }
    }
}
