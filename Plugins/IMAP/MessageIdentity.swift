import Crypto
import ListeningPostKit

/// The dedup key of a mail: what makes it *this* message, not where it sits. Pure.
///
/// A Message-ID alone is not enough: broken clients, list software and tools that re-send
/// a changed message reuse them, and keying on it dropped distinct mails. A UID alone is
/// not enough either: it changes with UIDVALIDITY. So the key is the Message-ID (readable,
/// for operators) plus a digest of what the *author* wrote:
///
/// - the originator's header fields (``identityFields``: From, To, Date, Subject, the
///   threading and MIME fields), unfolded, with runs of whitespace collapsed;
/// - the body, with line ends normalised and trailing white space dropped.
///
/// Trace fields that servers add in transit (`Received`, `Delivered-To`, `Return-Path`,
/// `Authentication-Results`, `X-*`, ARC and DKIM seals, …) are not in the list, so the same
/// mail delivered twice along two paths is one message, and two messages that only share
/// a Message-ID are two.
///
/// Keys: `message-id:<id>#<digest>`, or `content:<digest>` for a mail without a
/// Message-ID. The digest is the first 128 bits of SHA-256, in hex.
enum MessageIdentity {
    /// Header fields an author's mail program writes. Matched without regard to case.
    static let identityFields = [
        "message-id", "date", "from", "sender", "reply-to", "to", "cc", "subject", "in-reply-to", "references",
        "mime-version", "content-type", "content-transfer-encoding",
    ]

    /// The key of a parsed message; `body` is the root entity's raw (still encoded) body.
    static func dedupKey(messageId: String?, headers: MIMEHeaders, body: ArraySlice<UInt8>) -> String {
        let digest = self.digest(headers: headers, body: body)
        if let messageId { return "message-id:\(messageId)#\(digest)" }
        return "content:\(digest)"
    }

    /// The key earlier releases gave a mail with a Message-ID. Events stored then keep
    /// it, so a mailbox read again after a UIDVALIDITY change looks for it too.
    /// `nil` for a key that had no Message-ID.
    static func legacyDedupKey(for dedupKey: String) -> String? {
        guard dedupKey.hasPrefix("message-id:"), let mark = dedupKey.lastIndex(of: "#") else { return nil }
        return String(dedupKey[..<mark])
    }

    static func digest(headers: MIMEHeaders, body: ArraySlice<UInt8>) -> String {
        var hasher = SHA256()
        for name in identityFields {
            for value in headers.all(name) {
                hasher.update(data: Array(name.utf8))
                hasher.update(data: [UInt8(ascii: ":")])
                hasher.update(data: collapsingWhitespace(value))
                hasher.update(data: [0x0A])
            }
        }
        hasher.update(data: [0x0A])
        hasher.update(data: normalisedBody(body))
        return Hex.encode(hasher.finalize().prefix(16))
    }

    /// Folding and spacing differ between servers that re-encode a header; the words do not.
    static func collapsingWhitespace(_ value: String) -> [UInt8] {
        var output: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace { output.append(0x20) }
            pendingSpace = false
            output.append(byte)
        }
        return output
    }

    /// CRLF and LF alike, trailing spaces on each line and trailing empty lines dropped:
    /// what a relay or a mailbox format may change without changing the message.
    static func normalisedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            var lineEnd = body[lineStart...].firstIndex(of: 0x0A) ?? body.endIndex
            let next = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            while lineEnd > lineStart, [0x0D, 0x20, 0x09].contains(body[lineEnd - 1]) { lineEnd -= 1 }
            output.append(contentsOf: body[lineStart..<lineEnd])
            output.append(0x0A)
            lineStart = next
        }
        while output.last == 0x0A { output.removeLast() }
        return output
    }
}
