import Foundation
import ListeningPostKit

/// A structured header value with parameters — `Content-Type: text/plain; charset=utf-8` or
/// `Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve.txt` — with RFC 2231
/// continuations (`name*0=`, `name*1*=`) and charset/percent encoding, and RFC 2047 words
/// in quoted values (which mail clients send although the RFC forbids it). Pure.
struct MIMEContentType: Sendable, Equatable {
    /// `text/plain`, lowercased; for a disposition, `attachment` or `inline`.
    var value: String
    /// Parameters by lowercased name, decoded.
    var parameters: [String: String]

    init(value: String, parameters: [String: String] = [:]) {
        self.value = value
        self.parameters = parameters
    }

    init(parsing header: String) {
        let parts = Self.split(header)
        value = (parts.first ?? "").trimmingASCIIWhitespace().lowercased()
        var simple: [String: String] = [:]
        var continued: [String: [(index: Int, text: String, encoded: Bool)]] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { continue }
            var name = part[..<equals].trimmingASCIIWhitespace().lowercased()
            var text = part[part.index(after: equals)...].trimmingASCIIWhitespace()
            if text.utf8.count >= 2, text.utf8.first == UInt8(ascii: "\""), text.utf8.last == UInt8(ascii: "\"") {
                text = Self.unquoted(text.dropFirst().dropLast())
            }
            let encoded = name.hasSuffix("*")
            if encoded { name.removeLast() }
            if let star = name.lastIndex(of: "*"), let index = Int(name[name.index(after: star)...]) {
                continued[String(name[..<star]), default: []].append((index, text, encoded))
            } else if encoded {
                simple[name] = Self.extendedValue(text, first: true).text
            } else {
                simple[name] = EncodedWords.decode(text)
            }
        }
        for (name, pieces) in continued {
            var charset: String?
            var bytes: [UInt8] = []
            for piece in pieces.sorted(by: { $0.index < $1.index }) {
                if piece.encoded {
                    let (decoded, pieceCharset) = Self.extendedBytes(piece.text, first: piece.index == 0)
                    if let pieceCharset { charset = pieceCharset }
                    bytes += decoded
                } else {
                    bytes += Array(piece.text.utf8)
                }
            }
            simple[name] = Charset.decodeLeniently(bytes, charset: charset ?? "UTF-8").text
        }
        parameters = simple
    }

    /// `charset'language'percent-encoded` (only the first piece carries charset and language).
    private static func extendedBytes(_ text: String, first: Bool) -> ([UInt8], String?) {
        var charset: String?
        var body = Substring(text)
        if first {
            let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
            if pieces.count == 3 {
                charset = pieces[0].isEmpty ? nil : String(pieces[0])
                body = pieces[2]
            }
        }
        var bytes: [UInt8] = []
        var iterator = Array(body.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(bytes: [high, low], encoding: .ascii) ?? "", radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return (bytes, charset)
    }

    private static func extendedValue(_ text: String, first: Bool) -> (text: String, charset: String?) {
        let (bytes, charset) = extendedBytes(text, first: first)
        return (Charset.decodeLeniently(bytes, charset: charset ?? "UTF-8").text, charset)
    }

    /// A quoted string's content with its backslash escapes undone.
    private static func unquoted(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var escaped = false
        for byte in text.utf8 {
            if !escaped, byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            escaped = false
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits on `;` outside quotes. Works on the UTF-8 bytes: `;`, `"` and the backslash
    /// are ASCII, so every cut falls between characters and no grapheme breaking is needed
    /// (bench/mime.sh: iterating Characters was a tenth of the parse).
    private static func split(_ header: String) -> [Substring] {
        var parts: [Substring] = []
        let utf8 = header.utf8
        var start = utf8.startIndex
        var quoted = false
        var escaped = false
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") && quoted {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: ";") && !quoted {
                parts.append(header[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        parts.append(header[start..<utf8.endIndex])
        return parts
    }
}
