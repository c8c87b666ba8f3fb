import CPhoneNumber
import Synchronization

/// E.164 phone numbers (`+14155550100`): what every phone identity in an event looks like.
/// Parsed, validated and formatted by libphonenumber (Google's, as Android and most CRMs
/// use), which knows each country's trunk prefixes, international prefixes and number
/// ranges: `+44 (0)7700 900123`, `011 44 7700 900123` dialled from the US and an Italian
/// landline's leading `0` all come out right, and an impossible number is refused.
public enum PhoneNumber {
    /// The E.164 form of `raw`, or `nil` when libphonenumber cannot parse it or finds no
    /// such number can exist (callers keep the raw value and flag `invalid_phone`).
    ///
    /// A number without `+country` is read as dialled in `defaultRegion` (ISO 3166 alpha-2:
    /// `GB`, `IT`, `US`); without one, only international numbers parse. A channel prefix
    /// such as `whatsapp:` is removed first (`tel:` URIs are libphonenumber's to read).
    public static func e164(_ raw: String, defaultRegion: String?) -> String? {
        // libphonenumber's parse costs ~15–40 µs (its patterns are regular expressions), and
        // the same numbers come back: a channel's own number on every SMS, repeat customers.
        let key = (defaultRegion ?? "") + "\u{0}" + raw
        if let known = cache.withLock({ $0.lookup(key) }) { return known }
        let result = parse(raw, defaultRegion: defaultRegion)
        cache.withLock { $0.insert(result, for: key) }
        return result
    }

    private static let cache = Mutex(RecentNumbers())

    /// The parse itself, without the cache.
    static func parse(_ raw: String, defaultRegion: String?) -> String? {
        var text = Substring(raw).trimmingASCIIWhitespace()
        if let colon = text.firstIndex(of: ":"), colon > text.startIndex, text[..<colon].lowercased() != "tel",
            text[..<colon].allSatisfy({ $0.isASCII && $0.isLetter })
        {
            text = text[text.index(after: colon)...].trimmingASCIIWhitespace()
        }
        guard !text.isEmpty, text.utf8.count < 256 else { return nil }
        var region = defaultRegion
        if region == nil, text.hasPrefix("00") {
            // No region to know its international prefix by: 00 is the ITU's and most
            // countries', as earlier releases read it.
            text = "+" + text.dropFirst(2)
        }
        var buffer = [CChar](repeating: 0, count: 32)
        let status = buffer.withUnsafeMutableBufferPointer { out in
            lp_phone_e164(String(text), region, out.baseAddress, Int32(out.count))
        }
        guard status == LP_PHONE_VALID else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The same, with the default given as a calling code (`"44"`), as configs written
    /// before regions did: it stands for the code's main region (44 → GB, 1 → US).
    public static func e164(_ raw: String, defaultCountryCode: String? = nil) -> String? {
        e164(raw, defaultRegion: defaultCountryCode.flatMap(region(forCallingCode:)))
    }

    /// The main region of a calling code written as digits (`"39"` → `"IT"`); `nil` for
    /// anything else.
    public static func region(forCallingCode code: String) -> String? {
        guard (1...3).contains(code.count), code.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int32(code) else { return nil }
        var buffer = [CChar](repeating: 0, count: 8)
        let length = buffer.withUnsafeMutableBufferPointer { lp_phone_region_for_calling_code(number, $0.baseAddress, Int32($0.count)) }
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether libphonenumber knows the region (`GB` yes, `UK` no).
    public static func isSupportedRegion(_ region: String) -> Bool {
        lp_phone_is_supported_region(region) == 1
    }
}

/// The numbers parsed lately and what they came to: two generations of at most `capacity`
/// entries each, so a number in use stays and the memory is bounded.
struct RecentNumbers {
    static let capacity = 8_192
    private var current: [String: String?] = [:]
    private var previous: [String: String?] = [:]

    mutating func lookup(_ key: String) -> String?? {
        if let hit = current[key] { return hit }
        guard let hit = previous[key] else { return nil }
        insert(hit, for: key)
        return hit
    }

    mutating func insert(_ value: String?, for key: String) {
        if current.count >= Self.capacity {
            previous = current
            current = [:]
        }
        current[key] = .some(value)
    }
}

extension ConfigValues {
    /// The region phone numbers without `+country` are read in, from `default_region`
    /// (`GB`) or, as configs written before regions say it, `default_country_code` (`44`,
    /// its main region). Problems (an unknown region or code, both keys) are appended.
    public func defaultPhoneRegion(errors: inout [ConfigError]) -> String? {
        let region = string("default_region")
        let code = string("default_country_code")
        if region != nil, code != nil {
            errors.append(invalid("default_country_code", "give default_region or default_country_code, not both (default_region is the newer one)"))
            return nil
        }
        if let region {
            guard PhoneNumber.isSupportedRegion(region) else {
                errors.append(
                    invalid("default_region", "'\(region)' is not a region libphonenumber knows; write an ISO 3166 code such as GB, IT or US")
                )
                return nil
            }
            return region
        }
        if let code {
            guard let mapped = PhoneNumber.region(forCallingCode: code) else {
                errors.append(
                    invalid(
                        "default_country_code",
                        "'\(code)' is not a calling code; write 1 to 3 digits without +, such as 44 (or use default_region: GB)"
                    )
                )
                return nil
            }
            return mapped
        }
        return nil
    }
}
