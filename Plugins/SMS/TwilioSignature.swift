import Crypto
import Foundation
import ListeningPostKit

/// Twilio's `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the account's Auth Token,
/// over the URL Twilio requested followed by every POST parameter as `name + value`,
/// names sorted, a repeated name's distinct values sorted. Pure.
///
/// The URL must be the one configured at Twilio, which behind a proxy is not the one the
/// gateway sees; like Twilio's own validator, the URL is also tried with its default port
/// added and with its port removed, because Twilio is not consistent about ports.
enum TwilioSignature {
    /// The base64 signature of `url` and `parameters` under `authToken`.
    static func sign(url: String, parameters: [(name: String, value: String)], authToken: String) -> String {
        sign(text: signingText(url: url, parameters: parameters), authToken: authToken)
    }

    /// The signed text: the URL, then `name + value` per parameter, names sorted by byte,
    /// a repeated name's distinct values sorted.
    static func signingText(url: String, parameters: [(name: String, value: String)]) -> [UInt8] {
        // Sorted as byte arrays: comparing String.UTF8Views generically cost more than the HMAC.
        let pairs = parameters.map { (name: Array($0.name.utf8), value: Array($0.value.utf8)) }.sorted { lhs, rhs in
            lhs.name == rhs.name ? lhs.value.lexicographicallyPrecedes(rhs.value) : lhs.name.lexicographicallyPrecedes(rhs.name)
        }
        var text = Array(url.utf8)
        text.reserveCapacity(text.count + pairs.reduce(0) { $0 + $1.name.count + $1.value.count })
        var previous: (name: [UInt8], value: [UInt8])?
        for pair in pairs {
            if let previous, previous.name == pair.name, previous.value == pair.value { continue }  // distinct values only
            text += pair.name
            text += pair.value
            previous = pair
        }
        return text
    }

    static func sign(text: [UInt8], authToken: String) -> String {
        sign(text: text, key: SymmetricKey(data: Array(authToken.utf8)))
    }

    static func sign(text: [UInt8], key: SymmetricKey) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: text, using: key)).base64EncodedString()
    }

    /// True when `signature` matches `url` (or a port variant of it) under any token. The
    /// URL as given is tried first; the variants only when it does not match.
    static func isValid(signature: String, url: String, parameters: [(name: String, value: String)], authTokens: [String]) -> Bool {
        isValid(signature: signature, url: url, parameters: parameters, keys: authTokens.map { SymmetricKey(data: Array($0.utf8)) })
    }

    /// As above, with the tokens already made keys (the parser makes them once).
    static func isValid(signature: String, url: String, parameters: [(name: String, value: String)], keys: [SymmetricKey]) -> Bool {
        let suffix = signingText(url: "", parameters: parameters)
        func matches(_ candidate: String) -> Bool {
            let text = Array(candidate.utf8) + suffix
            var matched = false
            for key in keys where ConstantTime.equals(signature, sign(text: text, key: key)) { matched = true }
            return matched
        }
        // The port variants only when the URL as given does not match.
        return matches(url) || urlVariants(url).dropFirst().contains(where: matches)
    }

    /// The URL as given, with the scheme's default port added, and with any port removed.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        let rest = afterScheme[authorityEnd...]
        let prefix = url[..<schemeEnd.upperBound]
        // The port follows the last ":" after any "]" (IPv6 literals) and "@" (userinfo).
        let hostStart = authority.lastIndex(of: "@").map(authority.index(after:)) ?? authority.startIndex
        let host = authority[hostStart...]
        let portColon = host.lastIndex(of: ":").flatMap { colon in
            host[host.index(after: colon)...].allSatisfy(\.isNumber) && !host[colon...].contains("]") ? colon : nil
        }
        var variants = [url]
        if let portColon {
            variants.append(String(prefix) + authority[..<portColon] + rest)
        } else if let port = scheme == "https" ? "443" : scheme == "http" ? "80" : nil {
            variants.append(String(prefix) + authority + ":" + port + rest)
        }
        return variants
    }

    private static func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
