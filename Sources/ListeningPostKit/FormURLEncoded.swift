/// `application/x-www-form-urlencoded` bodies and query strings, parsed without I/O.
public enum FormURLEncoded {
    /// Why a form could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        public let description: String
    }

    /// Parses into name–value pairs in order (names may repeat). `+` is a space.
    public static func parse(_ text: some StringProtocol) throws(ParseError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    /// Parses UTF-8 bytes; fails on invalid UTF-8.
    public static func parse(bytes: [UInt8]) throws(ParseError) -> [(name: String, value: String)] {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ParseError(description: "the body is not valid UTF-8") }
        return try parse(text)
    }

    /// Percent-decodes one component, treating `+` as a space.
    public static func decode(_ component: some StringProtocol) throws(ParseError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(component.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw ParseError(description: "bad percent-escape in '\(component)'")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(description: "a percent-escape decodes to invalid UTF-8 in '\(component)'")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
