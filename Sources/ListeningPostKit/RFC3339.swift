import Foundation

/// RFC 3339 timestamps, the form every time in an event takes: UTC, millisecond
/// precision, `Z` suffix (`2026-11-23T09:15:02.123Z`).
public enum RFC3339 {
    /// Formats a date in UTC with milliseconds.
    public static func string(from date: Date) -> String {
        var milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        milliseconds %= 1000
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds))
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
