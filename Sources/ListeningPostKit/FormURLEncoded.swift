/// `application/x-www-form-urlencoded` bodies and query strings, parsed without I/O.
public enum FormURLEncoded {
    /// Why a form could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was wrong.
        public let description: String
    }

    /// Encodes pairs as a form body (`application/x-www-form-urlencoded`, as Python's
    /// `urlencode` and so the providers' Python SDKs write it: unreserved characters as they are, space as `+`, every
    /// other byte of the UTF-8 as `%XX`).
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { encodeComponent($0.name) + "=" + encodeComponent($0.value) }.joined(separator: "&")
    }

    private static func encodeComponent(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Parses into name–value pairs in order (names may repeat). `+` is a space.
    public static func parse(_ text: some StringProtocol) throws(ParseError) -> [(name: String, value: String)] {
        try parse(utf8: Array(text.utf8))
    }

    /// The pairs by name, the first value of a repeated name winning (as providers that
    /// repeat a name mean the first).
    public static func firstValues(_ pairs: [(name: String, value: String)]) -> [String: String] {
        var fields: [String: String] = Dictionary(minimumCapacity: pairs.count)
        for (name, value) in pairs where fields[name] == nil { fields[name] = value }
        return fields
    }

    /// Parses UTF-8 bytes; fails on invalid UTF-8.
    public static func parse(bytes: [UInt8]) throws(ParseError) -> [(name: String, value: String)] {
        try parse(utf8: bytes)
    }

    /// Works on bytes throughout: SMS providers post forms on every message, and splitting
    /// `String`s by `Character` cost 14 % of an SMS request.
    private static func parse(utf8 bytes: [UInt8]) throws(ParseError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = try decode(bytes[start..<equals])
                let value = equals < end ? try decode(bytes[(equals + 1)..<end]) : ""
                pairs.append((name, value))
            }
            start = end + 1
        }
        return pairs
    }

    /// Percent-decodes one component, treating `+` as a space.
    public static func decode(_ component: some StringProtocol) throws(ParseError) -> String {
        try decode(Array(component.utf8)[...])
    }

    private static func decode(_ component: ArraySlice<UInt8>) throws(ParseError) -> String {
        // Most components need no decoding at all.
        if !component.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            guard let text = String(validating: component, as: UTF8.self) else {
                throw ParseError(description: "invalid UTF-8 in '\(String(decoding: component, as: UTF8.self))'")
            }
            return text
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = component.startIndex
        while index < component.endIndex {
            let byte = component[index]
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index + 2 < component.endIndex,
                    let high = hexValue(component[index + 1]), let low = hexValue(component[index + 2])
                else {
                    throw ParseError(description: "bad percent-escape in '\(String(decoding: component, as: UTF8.self))'")
                }
                bytes.append(high << 4 | low)
                index += 2
            default:
                bytes.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(description: "a percent-escape decodes to invalid UTF-8 in '\(String(decoding: component, as: UTF8.self))'")
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

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
