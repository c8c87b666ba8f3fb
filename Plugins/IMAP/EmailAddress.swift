import ListeningPostKit
import Foundation

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
        guard address.contains("@") else { return nil }
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
/// no weekday, no seconds, zone names, a trailing comment.
enum MailDate {
    static func parse(_ header: String) -> Date? {
        var text = header
        if let comment = text.firstIndex(of: "(") { text = String(text[..<comment]) }
        text = text.trimmingASCIIWhitespace()
        if let comma = text.firstIndex(of: ",") { text = text[text.index(after: comma)...].trimmingASCIIWhitespace() }
        text = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in ["d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm:ss z", "d MMM yyyy HH:mm z", "d MMM yy HH:mm:ss Z"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
