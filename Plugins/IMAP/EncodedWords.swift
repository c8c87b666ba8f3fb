import Foundation
import ListeningPostKit

/// RFC 2047 encoded words in header values: `=?charset?B|Q?text?=`. Whitespace between two
/// adjacent encoded words is dropped, as the RFC says; an undecodable word stays as written.
enum EncodedWords {
    /// Whether `=?` occurs in the value.
    static func mayHoldEncodedWord(_ value: String) -> Bool {
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if previous == UInt8(ascii: "="), byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    static func decode(_ value: String) -> String {
        // A byte scan: `String.contains(String)` goes through Foundation's NSString search,
        // which was a tenth of mapping a mail (bench/mime.sh), and most values have no word.
        guard Self.mayHoldEncodedWord(value) else { return value }
        var output = ""
        var pendingSpace = ""
        var previousWasEncoded = false
        var rest = Substring(value)
        while !rest.isEmpty {
            if rest.hasPrefix("=?"), let (decoded, after) = word(rest) {
                if !previousWasEncoded { output += pendingSpace }
                output += decoded
                pendingSpace = ""
                previousWasEncoded = true
                rest = after
                continue
            }
            let character = rest.removeFirst()
            if character == " " || character == "\t" || character == "\r" || character == "\n" {
                pendingSpace.append(character == "\t" ? " " : character == "\r" || character == "\n" ? "" : " ")
                continue
            }
            output += pendingSpace
            pendingSpace = ""
            output.append(character)
            previousWasEncoded = false
        }
        return output + pendingSpace
    }

    /// One encoded word at the start of `text`, decoded, and what follows it.
    private static func word(_ text: Substring) -> (String, Substring)? {
        let body = text.dropFirst(2)
        guard let charsetEnd = body.firstIndex(of: "?") else { return nil }
        // RFC 2231 allows a language after '*': =?utf-8*en?Q?...?=
        let charset = body[..<charsetEnd].split(separator: "*", maxSplits: 1).first.map(String.init) ?? ""
        let afterCharset = body[body.index(after: charsetEnd)...]
        guard let encoding = afterCharset.first, afterCharset.dropFirst().first == "?" else { return nil }
        let encodedStart = afterCharset.index(afterCharset.startIndex, offsetBy: 2)
        guard let end = afterCharset[encodedStart...].range(of: "?=") else { return nil }
        let encoded = Array(afterCharset[encodedStart..<end.lowerBound].utf8)
        guard !encoded.contains(0x20) else { return nil }
        let bytes: [UInt8]
        switch encoding {
        case "B", "b": bytes = TransferEncoding.base64(encoded)
        case "Q", "q": bytes = TransferEncoding.quotedPrintable(encoded, underscoreIsSpace: true)
        default: return nil
        }
        guard let decoded = Charset.decode(bytes, charset: charset) else { return nil }
        return (decoded, afterCharset[end.upperBound...])
    }
}
