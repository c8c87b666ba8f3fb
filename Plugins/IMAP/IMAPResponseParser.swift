/// What an IMAP server says (RFC 9051 §7), as the client needs it.
enum IMAPResponse: Sendable, Equatable {
    /// `+ text`: go on (after IDLE, or for a literal).
    case continuation(String)
    /// `tag OK|NO|BAD text`.
    case tagged(tag: String, status: String, text: String)
    /// `* OK|NO|BAD|BYE|PREAUTH text`, e.g. `* OK [UIDVALIDITY 3857529045] UIDs valid`.
    case status(status: String, text: String)
    /// Any other untagged response, tokenised: `* 12 FETCH (UID 34 BODY[] {n}…)` →
    /// `[12, FETCH, (UID, 34, BODY[], <bytes>)]`.
    case data([IMAPValue])
}

/// One token of an untagged data response.
indirect enum IMAPValue: Sendable, Equatable {
    case atom(String)
    /// A quoted string or a literal's bytes.
    case bytes([UInt8])
    case list([IMAPValue])
    case nilValue

    var atom: String? {
        if case .atom(let text) = self { return text }
        return nil
    }
}

/// Splits the bytes a server sends into responses: lines ending CRLF, each possibly
/// carrying `{n}` literals of exactly n bytes. Pure and incremental — feed it whatever
/// arrived, then take responses until it needs more. Every literal's length is checked
/// against a limit before its bytes are awaited, so a hostile or broken server cannot
/// make the client buffer without bound.
struct IMAPResponseParser {
    struct ProtocolError: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// The largest literal accepted.
    let maxLiteralSize: Int
    /// The longest line (outside literals) accepted.
    let maxLineLength: Int

    private var buffer: [UInt8] = []
    /// Bytes before this were returned as responses; dropped in bulk, not per response.
    private var consumed = 0
    /// Where the scan for the current response's end resumes.
    private var scanned = 0

    init(maxLiteralSize: Int, maxLineLength: Int = 1 << 20) {
        self.maxLiteralSize = maxLiteralSize
        self.maxLineLength = maxLineLength
    }

    /// Bytes buffered and not yet returned as responses.
    var bufferedCount: Int { buffer.count - consumed }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, or `nil` when more bytes are needed.
    mutating func next() throws(ProtocolError) -> IMAPResponse? {
        // Find the end of the response: a CRLF not preceded by a {n} literal marker.
        var lineStart = scanned
        while true {
            guard let lf = buffer[lineStart...].firstIndex(of: 0x0A) else {
                if buffer.count - lineStart > maxLineLength {
                    throw ProtocolError(description: "a response line is longer than \(maxLineLength) bytes")
                }
                scanned = lineStart
                return nil
            }
            if let length = try literalLength(endingAt: lf) {
                let literalEnd = lf + 1 + length
                guard literalEnd <= buffer.count else {
                    scanned = lineStart
                    return nil
                }
                lineStart = literalEnd
                continue
            }
            let response = try Self.parse(buffer[consumed...lf])
            consumed = lf + 1
            scanned = consumed
            if consumed > 256 * 1024 || consumed == buffer.count {
                buffer.removeFirst(consumed)
                scanned -= consumed
                consumed = 0
            }
            return response
        }
    }

    /// The n of a line ending `{n}` or `{n+}` (before CRLF at `lf`), checked.
    private func literalLength(endingAt lf: Int) throws(ProtocolError) -> Int? {
        var end = lf
        if end > 0, buffer[end - 1] == 0x0D { end -= 1 }
        guard end > 0, buffer[end - 1] == UInt8(ascii: "}") else { return nil }
        var index = end - 2
        if index >= 0, buffer[index] == UInt8(ascii: "+") { index -= 1 }
        var digits = 0
        var value = 0
        while index >= 0, buffer[index] >= UInt8(ascii: "0"), buffer[index] <= UInt8(ascii: "9") {
            digits += 1
            guard digits <= 12 else { throw ProtocolError(description: "a literal length has more than 12 digits") }
            index -= 1
        }
        guard digits > 0, index >= 0, buffer[index] == UInt8(ascii: "{") else { return nil }
        for position in (index + 1)..<(index + 1 + digits) { value = value * 10 + Int(buffer[position] - UInt8(ascii: "0")) }
        guard value <= maxLiteralSize else {
            throw ProtocolError(description: "the server announced a literal of \(value) bytes, above the limit of \(maxLiteralSize)")
        }
        return value
    }

    /// One complete response (including its final CRLF).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(ProtocolError) -> IMAPResponse {
        var tokenizer = Tokenizer(bytes: bytes)
        let first = tokenizer.word()
        if first == "+" {
            return .continuation(tokenizer.restOfLine())
        }
        if first == "*" {
            let save = tokenizer.position
            let keyword = tokenizer.word().uppercased()
            if ["OK", "NO", "BAD", "BYE", "PREAUTH"].contains(keyword) {
                return .status(status: keyword, text: tokenizer.restOfLine())
            }
            tokenizer.position = save
            return .data(try tokenizer.values(until: nil))
        }
        guard !first.isEmpty else { throw ProtocolError(description: "an empty response line") }
        let status = tokenizer.word().uppercased()
        guard ["OK", "NO", "BAD"].contains(status) else {
            throw ProtocolError(description: "'\(String(decoding: bytes.prefix(80), as: UTF8.self))' is not an IMAP response")
        }
        return .tagged(tag: first, status: status, text: tokenizer.restOfLine())
    }

    /// Reads tokens from a complete response. Literal lengths were checked by the framer.
    struct Tokenizer {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        private var atEnd: Bool { position >= bytes.endIndex || bytes[position] == 0x0D || bytes[position] == 0x0A }

        mutating func skipSpaces() {
            while position < bytes.endIndex, bytes[position] == 0x20 { position += 1 }
        }

        /// Up to the next space (or the end of the line).
        mutating func word() -> String {
            skipSpaces()
            let start = position
            while !atEnd, bytes[position] != 0x20 { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func restOfLine() -> String {
            skipSpaces()
            let start = position
            while !atEnd { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// Tokens until `close` (or the end of the line when `nil`).
        mutating func values(until close: UInt8?) throws(ProtocolError) -> [IMAPValue] {
            var values: [IMAPValue] = []
            while true {
                skipSpaces()
                if atEnd {
                    if close != nil { throw ProtocolError(description: "a list is not closed") }
                    return values
                }
                let byte = bytes[position]
                if let close, byte == close {
                    position += 1
                    return values
                }
                switch byte {
                case UInt8(ascii: "("):
                    position += 1
                    values.append(.list(try self.values(until: UInt8(ascii: ")"))))
                case UInt8(ascii: "\""):
                    values.append(.bytes(try quoted()))
                case UInt8(ascii: "{"):
                    values.append(.bytes(try literal()))
                default:
                    let text = atom()
                    // Nothing consumed: a `)` with no list open (found by fuzzing, which
                    // looped here for ever appending empty atoms).
                    guard !text.isEmpty else { throw ProtocolError(description: "unexpected '\(Character(UnicodeScalar(byte)))' with no list open") }
                    values.append(text.uppercased() == "NIL" ? .nilValue : .atom(text))
                }
            }
        }

        private mutating func quoted() throws(ProtocolError) -> [UInt8] {
            position += 1
            var output: [UInt8] = []
            while position < bytes.endIndex {
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "\\"), position < bytes.endIndex {
                    output.append(bytes[position])
                    position += 1
                } else if byte == UInt8(ascii: "\"") {
                    return output
                } else if byte == 0x0D || byte == 0x0A {
                    break
                } else {
                    output.append(byte)
                }
            }
            throw ProtocolError(description: "a quoted string is not closed")
        }

        private mutating func literal() throws(ProtocolError) -> [UInt8] {
            position += 1
            var length = 0
            var digits = 0
            while position < bytes.endIndex, let digit = Optional(bytes[position]), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
                // As the framer: at most 12 digits, so the arithmetic cannot overflow (a
                // longer length trapped here, found by fuzzing).
                digits += 1
                guard digits <= 12 else { throw ProtocolError(description: "a literal length has more than 12 digits") }
                length = length * 10 + Int(digit - UInt8(ascii: "0"))
                position += 1
            }
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "+") { position += 1 }
            guard position + 2 < bytes.endIndex || position + 2 <= bytes.endIndex, bytes[position] == UInt8(ascii: "}") else {
                throw ProtocolError(description: "a malformed literal")
            }
            position += 1
            if position < bytes.endIndex, bytes[position] == 0x0D { position += 1 }
            guard position < bytes.endIndex, bytes[position] == 0x0A else {
                throw ProtocolError(description: "a literal marker not followed by CRLF")
            }
            position += 1
            guard position + length <= bytes.endIndex else { throw ProtocolError(description: "a literal shorter than announced") }
            let value = Array(bytes[position..<(position + length)])
            position += length
            return value
        }

        /// An atom; `[…]` sections (as in `BODY[HEADER.FIELDS (SUBJECT)]`) are part of it.
        private mutating func atom() -> String {
            let start = position
            var depth = 0
            while !atEnd {
                let byte = bytes[position]
                if byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "]") { depth = max(0, depth - 1) }
                if depth == 0, byte == 0x20 || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") { break }
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }
}
