import ListeningPostKit

/// A header block (RFC 5322): fields in order, folded lines joined, names matched without
/// regard to case. Values are kept raw; ``EncodedWords`` decodes them for display.
struct MIMEHeaders: Sendable, Equatable {
    private(set) var fields: [(name: String, value: String)] = []
    /// Each field's name lowercased once, for lookups (bench/mime.sh: lowercasing every
    /// name at every lookup was most of the header cost).
    private var keys: [String] = []

    static func == (lhs: MIMEHeaders, rhs: MIMEHeaders) -> Bool {
        lhs.fields.map { "\($0.name):\($0.value)" } == rhs.fields.map { "\($0.name):\($0.value)" }
    }

    /// Parses header lines (without the blank line that ends them). Lines that are not
    /// `name: value` and not a continuation are skipped and counted in `malformedLines`.
    init(parsing bytes: ArraySlice<UInt8>) {
        var current: (name: String, value: [UInt8])?
        for rawLine in MIMEHeaders.lines(bytes) {
            if let first = rawLine.first, first == 0x20 || first == 0x09 {
                current?.value += rawLine
                continue
            }
            if let field = current { append(field.name, MIMEHeaders.text(field.value)) }
            current = nil
            guard let colon = rawLine.firstIndex(of: UInt8(ascii: ":")), colon > rawLine.startIndex,
                rawLine[rawLine.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                malformedLines += 1
                continue
            }
            current = (String(decoding: rawLine[rawLine.startIndex..<colon], as: UTF8.self), Array(rawLine[(colon + 1)...]))
        }
        if let field = current { append(field.name, MIMEHeaders.text(field.value)) }
    }

    init() {}

    private mutating func append(_ name: String, _ value: String) {
        fields.append((name, value))
        keys.append(name.lowercased())
    }

    /// Lines that were neither a field nor a continuation.
    private(set) var malformedLines = 0

    /// The first value of a field, trimmed, unfolded.
    subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return keys.firstIndex(of: lowered).map { fields[$0].value }
    }

    /// Every value of a field.
    func all(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return keys.indices.filter { keys[$0] == lowered }.map { fields[$0].value }
    }

    /// Header bytes are ASCII by the standard, but real mail carries raw UTF-8 and Latin-1;
    /// UTF-8 is taken as is, anything else as Latin-1 so no byte is lost.
    static func text(_ bytes: [UInt8]) -> String {
        // Trimmed as bytes, before a String exists: the same as trimming the text (the
        // whitespace is ASCII), without building it twice.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        let trimmed = bytes[first...last]
        return String(validating: trimmed, as: UTF8.self) ?? String(trimmed.map { Character(Unicode.Scalar($0)) })
    }

    /// Splits on LF, dropping a CR before it.
    static func lines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == 0x0A {
            var end = index
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(bytes[start..<end])
            start = index + 1
        }
        if start < bytes.endIndex {
            var end = bytes.endIndex
            if bytes[end - 1] == 0x0D { end -= 1 }
            lines.append(bytes[start..<end])
        }
        return lines
    }
}
