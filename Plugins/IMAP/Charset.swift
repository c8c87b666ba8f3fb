import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Text in a named charset to a String: UTF-8 and US-ASCII directly, everything else
/// (ISO-8859-*, Windows-125x, KOI8-R, Shift_JIS, GB2312, …) through iconv, which knows
/// far more charsets than Foundation does on Linux. Pure (iconv does no I/O).
enum Charset {
    /// Decodes `bytes`; `nil` when the charset is unknown or the bytes are not valid in it.
    static func decode(_ bytes: [UInt8], charset rawName: String) -> String? {
        let name = normalised(rawName)
        if name == "UTF-8" || name == "US-ASCII" {
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            // Mislabelled mail is common: "us-ascii" that is really Latin-1 or UTF-8.
            return name == "US-ASCII" ? decode(bytes, charset: "WINDOWS-1252") : nil
        }
        return iconv(bytes, from: name)
    }

    /// Decodes, falling back to Windows-1252 (a superset of Latin-1 that maps every byte)
    /// so text is never lost; `fellBack` says the label was not honoured.
    static func decodeLeniently(_ bytes: [UInt8], charset: String?) -> (text: String, fellBack: Bool) {
        if let charset, let text = decode(bytes, charset: charset) { return (text, false) }
        if charset == nil, let text = String(validating: bytes, as: UTF8.self) { return (text, false) }
        if let text = decode(bytes, charset: "WINDOWS-1252") { return (text, charset != nil) }
        return (String(decoding: bytes, as: UTF8.self), true)
    }

    static func normalised(_ name: String) -> String {
        var upper = name.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")).uppercased()
        switch upper {
        case "UTF8": upper = "UTF-8"
        case "ASCII", "ANSI_X3.4-1968", "US_ASCII", "": upper = "US-ASCII"
        case "LATIN1", "LATIN-1": upper = "ISO-8859-1"
        case "CP1252": upper = "WINDOWS-1252"
        default: break
        }
        return upper
    }

    private static func iconv(_ bytes: [UInt8], from charset: String) -> String? {
        #if canImport(Glibc)
        let converter = iconv_open("UTF-8", charset)
        guard converter != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(converter) }
        if bytes.isEmpty { return "" }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
        let converted: Int? = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inputBuffer.baseAddress
                var inLeft = inputBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outputBuffer.baseAddress
                var outLeft = outputBuffer.count
                let result = Glibc.iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outputBuffer.count - outLeft
            }
        }
        guard let converted else { return nil }
        return String(validating: output[..<converted].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return nil
        #endif
    }
}
