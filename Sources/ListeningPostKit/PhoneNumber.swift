/// E.164 phone numbers (`+14155550100`): what every phone identity in an event looks like.
public enum PhoneNumber {
    /// Normalises a phone number to E.164, or returns `nil` when it cannot.
    ///
    /// Spaces, dots, dashes and parentheses are dropped; `00` is read as `+`; a channel
    /// prefix such as `whatsapp:` or `tel:` is removed. A number without a country code is
    /// given `defaultCountryCode` (digits only, e.g. `"44"`), after dropping one national
    /// trunk `0`. E.164 allows at most 15 digits; fewer than 7 is not a subscriber number.
    public static func e164(_ raw: String, defaultCountryCode: String? = nil) -> String? {
        // Bytes, not Characters: this runs twice per SMS.
        var bytes = Array(raw.utf8)[...]
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while let first = bytes.first, isSpace(first) { bytes.removeFirst() }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > bytes.startIndex,
            bytes[bytes.startIndex..<colon].allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        {
            bytes = bytes[(colon + 1)...]
        }
        var international = false
        if bytes.first == UInt8(ascii: "+") {
            international = true
            bytes.removeFirst()
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte)
            case UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "/"): continue
            default: return nil
            }
        }
        if !international, digits.starts(with: [UInt8(ascii: "0"), UInt8(ascii: "0")]) {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            guard let country = defaultCountryCode, !country.isEmpty, country.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            if digits.first == UInt8(ascii: "0") { digits.removeFirst() }
            digits = Array(country.utf8) + digits
        }
        guard (7...15).contains(digits.count), digits.first != UInt8(ascii: "0") else { return nil }
        return "+" + String(decoding: digits, as: UTF8.self)
    }
}
