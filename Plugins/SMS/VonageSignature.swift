import Crypto
import Foundation
import ListeningPostKit

/// Vonage's signed-webhook `sig` for the SMS API: every parameter but `sig`, sorted by
/// name, each value with `&` and `=` replaced by `_`, written as `&name=value…`; then an
/// MD5 hash of that text followed by the secret (the default "MD5 hash" method) or a hex
/// HMAC keyed with the secret. Compared case-insensitively, in constant time. Pure.
struct VonageSignature: Sendable {
    /// The signature method chosen in the Vonage dashboard. A struct with static members
    /// so a new method is not a breaking change.
    struct Method: Sendable, Hashable {
        let name: String

        static let md5Hash = Method(name: "md5hash")
        static let hmacMD5 = Method(name: "md5")
        static let hmacSHA1 = Method(name: "sha1")
        static let hmacSHA256 = Method(name: "sha256")
        static let hmacSHA512 = Method(name: "sha512")
        static let all = [md5Hash, hmacMD5, hmacSHA1, hmacSHA256, hmacSHA512]
    }

    let method: Method

    /// The text that is hashed: `&name=value` for each parameter but `sig`, sorted by name.
    static func signingText(_ parameters: [String: String]) -> String {
        var text = ""
        for name in parameters.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where name != "sig" {
            let value = parameters[name]!.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
            text += "&\(name)=\(value)"
        }
        return text
    }

    /// Lowercase hex signature of the parameters under `secret`.
    func sign(_ parameters: [String: String], secret: String) -> String {
        let text = Array(Self.signingText(parameters).utf8)
        let key = SymmetricKey(data: Array(secret.utf8))
        switch method {
        case .hmacMD5: return Hex.encode(HMAC<Insecure.MD5>.authenticationCode(for: text, using: key))
        case .hmacSHA1: return Hex.encode(HMAC<Insecure.SHA1>.authenticationCode(for: text, using: key))
        case .hmacSHA256: return Hex.encode(HMAC<SHA256>.authenticationCode(for: text, using: key))
        case .hmacSHA512: return Hex.encode(HMAC<SHA512>.authenticationCode(for: text, using: key))
        default: return Hex.encode(Insecure.MD5.hash(data: text + Array(secret.utf8)))
        }
    }

    /// True when `parameters["sig"]` matches under any of the secrets.
    func isValid(_ parameters: [String: String], secrets: [String]) -> Bool {
        guard let given = parameters["sig"]?.lowercased() else { return false }
        var matched = false
        for secret in secrets where ConstantTime.equals(given, sign(parameters, secret: secret)) { matched = true }
        return matched
    }
}
