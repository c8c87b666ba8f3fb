import Foundation
import ListeningPostKit

/// Writes an outgoing reply as RFC 5322 bytes, without I/O: `From`, `To`, a `Subject`
/// (RFC 2047 encoded words when it is not ASCII), `Date`, a `Message-ID` derived from the
/// outbox id (so a resend is recognisable as the same message), `In-Reply-To` and
/// `References` from the customer's thread, and UTF-8 text: `7bit` when it is short-lined
/// ASCII, else quoted-printable. Lines end in CRLF.
enum MailComposer {
    struct Mail: Sendable, Equatable {
        var from: String
        var fromName: String?
        var to: String
        var subject: String
        var text: String
        var messageId: String
        var inReplyTo: String?
        var references: [String]
        var date: Date
    }

    /// The `Message-ID` of an outbox message: `<outbox.<id>@<domain of from>>`.
    static func messageId(outboxId: String, from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "listening-post.invalid"
        return "<outbox.\(outboxId)@\(domain)>"
    }

    /// The subject of a reply: the thread's with `Re: ` (once), else the given one.
    static func replySubject(_ subject: String?, thread: ThreadReference?) -> String {
        if let subject, !subject.isEmpty { return subject }
        guard let original = thread?.subject, !original.isEmpty else { return "Your message" }
        return original.lowercased().hasPrefix("re:") ? original : "Re: " + original
    }

    static func compose(_ mail: Mail) -> [UInt8] {
        var lines: [String] = []
        lines.append("Date: " + rfc5322Date(mail.date))
        lines.append("From: " + (mail.fromName.map { phrase($0) + " <\(mail.from)>" } ?? "<\(mail.from)>"))
        lines.append("To: <\(mail.to)>")
        lines.append(header("Subject", mail.subject))
        lines.append("Message-ID: \(mail.messageId)")
        if let inReplyTo = mail.inReplyTo { lines.append("In-Reply-To: \(inReplyTo)") }
        if !mail.references.isEmpty { lines.append(folded("References", mail.references)) }
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=utf-8")
        let text = mail.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let plain =
            text.utf8.allSatisfy { $0 < 0x80 } && text.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 998 }
        lines.append("Content-Transfer-Encoding: " + (plain ? "7bit" : "quoted-printable"))
        let body = plain ? text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n") : quotedPrintable(text)
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8)
    }

    /// A header whose value is ASCII as is; otherwise UTF-8 encoded words of at most 75
    /// characters each, folded onto continuation lines (RFC 2047 §2, §5).
    static func header(_ name: String, _ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), name.count + value.count < 78 { return "\(name): \(value)" }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 39 bytes of UTF-8 make 52 base64 characters: with "=?utf-8?B?" and "?=", 64, so even
        // the first, after "Subject: ", stays within 78 columns.
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 39 {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return "\(name): " + words.joined(separator: "\r\n ")
    }

    /// A display name: as is when it is a plain atom sequence, quoted when it has specials,
    /// encoded when it is not ASCII.
    static func phrase(_ name: String) -> String {
        if !name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return String(header("X", name).dropFirst(3)) }
        if name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " }) { return name }
        return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func folded(_ name: String, _ ids: [String]) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for id in ids {
            if current.count + id.count + 1 > 76, current != "\(name):" {
                lines.append(current)
                current = ""
            }
            current += " " + id
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// Quoted-printable (RFC 2045 §6.7): `=XX` for `=`, bytes outside printable ASCII and
    /// trailing white space, soft line breaks to keep lines within 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !last)
                let piece = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if width + piece.count > 75 {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += piece
                width += piece.count
            }
            out.append(encoded)
        }
        return out.joined(separator: "\r\n")
    }

    /// `Tue, 01 Dec 2026 10:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss +0000"
        return formatter.string(from: date)
    }
}
