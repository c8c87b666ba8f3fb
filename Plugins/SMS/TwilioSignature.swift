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
        var text = url
        var values: [String: Set<String>] = [:]
        for (name, value) in parameters { values[name, default: []].insert(value) }
        for name in values.keys.sorted(by: byteOrder) {
            for value in values[name]!.sorted(by: byteOrder) {
                text += name + value
            }
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// True when `signature` matches `url` (or a port variant of it) under any token.
    static func isValid(signature: String, url: String, parameters: [(name: String, value: String)], authTokens: [String]) -> Bool {
        var matched = false
        for candidate in urlVariants(url) {
            for token in authTokens where ConstantTime.equals(signature, sign(url: candidate, parameters: parameters, authToken: token)) {
                matched = true
            }
        }
        return matched
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
        let portColon = host.lastIndex(of: ":").flatMap { colon in host[host.index(after: colon)...].allSatisfy(\.isNumber) && !host[colon...].contains("]") ? colon : nil }
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
