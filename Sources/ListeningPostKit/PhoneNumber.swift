import Foundation

/// E.164 phone numbers (`+14155550100`): what every phone identity in an event looks like.
public enum PhoneNumber {
    /// Normalises a phone number to E.164, or returns `nil` when it cannot.
    ///
    /// Spaces, dots, dashes and parentheses are dropped; `00` is read as `+`; a channel
    /// prefix such as `whatsapp:` or `tel:` is removed. A number without a country code is
    /// given `defaultCountryCode` (digits only, e.g. `"44"`), after dropping one national
    /// trunk `0`. E.164 allows at most 15 digits; fewer than 7 is not a subscriber number.
    public static func e164(_ raw: String, defaultCountryCode: String? = nil) -> String? {
        var text = Substring(raw.trimmingCharacters(in: .whitespaces))
        if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy(\.isLetter) {
            text = text[text.index(after: colon)...]
        }
        var international = false
        if text.hasPrefix("+") {
            international = true
            text = text.dropFirst()
        }
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !" .-()/".contains(character) {
                return nil
            }
        }
        if !international, digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            guard let country = defaultCountryCode, !country.isEmpty, country.allSatisfy(\.isNumber) else { return nil }
            if digits.hasPrefix("0") { digits.removeFirst() }
            digits = country + digits
        }
        guard (7...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }
}
