/// Compact JSON output with sorted keys, written straight into bytes. Every event is
/// encoded once on the ingest path, and Foundation's `JSONEncoder` made that about 20 % of
/// ingest CPU; this writer produces the same text for a fraction of it.
///
/// Keys sort by Unicode code point. Strings escape `"`, `\` and control characters only,
/// and `/` is left alone, as in the stored and delivered form since the first release.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): raw(flag ? "true" : "false")
        case .number(let number): write(number: number)
        case .string(let text): write(string: text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            var object = ObjectWriter()
            for key in members.keys.sorted() {
                object.key(key, into: &self)
                write(members[key]!)
            }
            object.close(into: &self)
        }
    }

    /// Integral values within ±10^15 print without a fraction, as integers do in payloads.
    mutating func write(number: Double) {
        if number.rounded() == number, abs(number) < 1e15 {
            raw(String(Int64(number)))
        } else {
            raw(String(number))
        }
    }

    mutating func write(string: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = string
        text.withUTF8 { utf8 in
            var runStart = 0
            for (position, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: utf8[runStart..<position])
                runStart = position + 1
                switch byte {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    raw("\\u00")
                    let digits: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(digits[Int(byte >> 4)])
                    bytes.append(digits[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: utf8[runStart..<utf8.count])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Writes one object's members; callers give keys already in sorted order, which
    /// debug builds check.
    struct ObjectWriter {
        private var count = 0
        #if DEBUG
        private var lastKey: String?
        #endif

        init() {}

        mutating func key(_ key: String, into writer: inout JSONWriter) {
            #if DEBUG
            if let lastKey { assert(lastKey < key, "JSON keys out of order: \(lastKey) before \(key)") }
            lastKey = key
            #endif
            if count == 0 { writer.bytes.append(UInt8(ascii: "{")) } else { writer.bytes.append(UInt8(ascii: ",")) }
            count += 1
            writer.write(string: key)
            writer.bytes.append(UInt8(ascii: ":"))
        }

        mutating func close(into writer: inout JSONWriter) {
            if count == 0 { writer.bytes.append(UInt8(ascii: "{")) }
            writer.bytes.append(UInt8(ascii: "}"))
        }
    }
}
