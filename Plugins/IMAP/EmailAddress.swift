import Foundation
import ListeningPostKit

/// A mailbox from an address header: `"Ana Lima" <ana@example.com>`, `ana@example.com (Ana)`,
/// or a bare address; the first of a list. Encoded words are decoded first.
struct EmailAddress: Sendable, Equatable {
    var name: String?
    var address: String

    init?(header: String) {
        let decoded = EncodedWords.decode(header)
        guard let first = Self.splitList(decoded).first else { return nil }
        if let open = first.lastIndex(of: "<"), let close = first[open...].firstIndex(of: ">") {
            address = first[first.index(after: open)..<close].trimmingASCIIWhitespace()
            let display = first[..<open].trimmingASCIIWhitespace()
            let unquoted = display.hasPrefix("\"") && display.hasSuffix("\"") && display.count >= 2 ? String(display.dropFirst().dropLast()) : display
            name = unquoted.isEmpty ? nil : unquoted.replacingOccurrences(of: "\\\"", with: "\"")
        } else {
            var text = first.trimmingASCIIWhitespace()
            if let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close {
                let comment = text[text.index(after: open)..<close].trimmingASCIIWhitespace()
                name = comment.isEmpty ? nil : comment
                text = (text[..<open] + text[text.index(after: close)...]).trimmingASCIIWhitespace()
            }
            address = text
        }
        guard address.utf8.contains(UInt8(ascii: "@")) else { return nil }
    }

    /// All addresses of a list header.
    static func list(_ header: String?) -> [String] {
        guard let header else { return [] }
        return splitList(EncodedWords.decode(header)).compactMap { EmailAddress(header: $0)?.address }
    }

    /// Splits on commas outside quotes and angle brackets.
    private static func splitList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var angle = 0
        for character in text {
            switch character {
            case "\"": quoted.toggle()
            case "<" where !quoted: angle += 1
            case ">" where !quoted: angle = max(0, angle - 1)
            case "," where !quoted && angle == 0:
                items.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        items.append(current)
        return items.map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }
}

/// RFC 5322 dates (`Mon, 23 Nov 2026 09:15:02 +0000`), with the variants real mail has:
/// no weekday, no seconds, two-digit years, zone names, a trailing comment. Parsed by hand
/// with `timegm`: a DateFormatter per message made importing a mailbox ten times slower.
enum MailDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7, "pdt": -7, "pst": -8,
    ]

    static func parse(_ header: String) -> Date? {
        var text = Substring(header)
        if let comment = text.firstIndex(of: "(") { text = text[..<comment] }
        if let comma = text.firstIndex(of: ",") { text = text[text.index(after: comma)...] }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 4, let day = Int(parts[0]), (1...31).contains(day),
            let month = months.firstIndex(of: parts[1].prefix(3).lowercased()), var year = Int(parts[2])
        else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        let clock = parts[3].split(separator: ":").map { Int($0) }
        guard clock.count >= 2, clock.allSatisfy({ $0 != nil }), let hour = clock[0], let minute = clock[1], hour < 24, minute < 60 else {
            return nil
        }
        let second = clock.count > 2 ? clock[2]! : 0
        var offset = 0
        if parts.count > 4 {
            let zone = parts[4]
            if let sign = zone.first, sign == "+" || sign == "-", zone.count == 5, let value = Int(zone.dropFirst()) {
                offset = (value / 100 * 3600 + value % 100 * 60) * (sign == "-" ? -1 : 1)
            } else if let hours = zones[zone.lowercased()] {
                offset = hours * 3600
            }
        }
        var parts_ = tm()
        parts_.tm_year = Int32(year - 1900)
        parts_.tm_mon = Int32(month)
        parts_.tm_mday = Int32(day)
        parts_.tm_hour = Int32(hour)
        parts_.tm_min = Int32(minute)
        parts_.tm_sec = Int32(min(second, 60))
        let seconds = timegm(&parts_)
        return Date(timeIntervalSince1970: TimeInterval(seconds - offset))
    }
}
