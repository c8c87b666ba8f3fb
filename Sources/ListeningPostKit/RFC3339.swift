import Foundation

/// RFC 3339 timestamps, the form every time in an event takes: UTC, millisecond
/// precision, `Z` suffix (`2026-11-23T09:15:02.123Z`).
public enum RFC3339 {
    /// Formats a date in UTC with milliseconds.
    public static func string(from date: Date) -> String {
        // A microsecond of slack before flooring: a time parsed from "….044Z" is stored as the
        // nearest double, which may be just under .044, and must print as .044 again.
        var milliseconds = Int64((date.timeIntervalSince1970 * 1000 + 1e-3).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        milliseconds %= 1000
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Digits by hand: String(format:) showed up at ~5% of ingest CPU.
        var text = [UInt8]()
        text.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var rest = value
            for index in stride(from: width - 1, through: 0, by: -1) {
                digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            text += digits
        }
        append(Int(parts.tm_year) + 1900, width: 4)
        text.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mon) + 1, width: 2)
        text.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mday), width: 2)
        text.append(UInt8(ascii: "T"))
        append(Int(parts.tm_hour), width: 2)
        text.append(UInt8(ascii: ":"))
        append(Int(parts.tm_min), width: 2)
        text.append(UInt8(ascii: ":"))
        append(Int(parts.tm_sec), width: 2)
        text.append(UInt8(ascii: "."))
        append(Int(milliseconds), width: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds, with `Z` or an
    /// offset. Returns `nil` for anything else.
    public static func date(from string: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(string) { return date }
        return try? Date.ISO8601FormatStyle().parse(string)
    }

    static func decode(_ string: String, codingPath: [any CodingKey]) throws -> Date {
        guard let date = date(from: string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "not an RFC 3339 time: \(string)"))
        }
        return date
    }
}
