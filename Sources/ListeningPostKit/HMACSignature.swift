import Crypto
import Foundation

/// Hex HMAC-SHA256 signatures of a raw body, as GitHub (`X-Hub-Signature-256: sha256=…`)
/// and Discourse (`X-Discourse-Event-Signature: sha256=…`) send them.
public enum HMACSignature {
    /// `hex(HMAC-SHA256(key: secret, body))`.
    public static func sha256Hex(secret: String, body: some Collection<UInt8>) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(body), using: SymmetricKey(data: Array(secret.utf8)))
        return Hex.encode(Array(mac))
    }

    /// Checks a `sha256=<hex>` header against any of the secrets, in constant time.
    public static func verifyPrefixedSHA256(header: String?, secrets: [String], body: some Collection<UInt8>) -> Bool {
        guard let header, header.hasPrefix("sha256=") else { return false }
        return verifySHA256Hex(String(header.dropFirst(7)), secrets: secrets, body: body)
    }

    /// Checks a hex HMAC-SHA256 (either case) against any of the secrets, in constant time:
    /// every secret is tried, so the time taken does not say which one matched.
    public static func verifySHA256Hex(_ hex: String, secrets: [String], body: some Collection<UInt8>) -> Bool {
        let given = Array(hex.lowercased().utf8)
        var matched = false
        for secret in secrets where ConstantTime.equals(given, Array(sha256Hex(secret: secret, body: body).utf8)) {
            matched = true
        }
        return matched
    }
}

/// Lowercase hexadecimal.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)
    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = [UInt8]()
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Lowercase hex SHA-256 of the bytes.
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(SHA256.hash(data: Array(bytes))))
    }
}
