import Crypto
import Foundation

/// Standard Webhooks v1 (symmetric): `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers, HMAC-SHA256 over `"{id}.{timestamp}.{body}"`.
/// Used to verify inbound webhooks and to sign webhook pushes.
public struct StandardWebhooks: Sendable {
    /// How far a timestamp may be from now, either way (the reference library's 5 minutes).
    public static let defaultTolerance: Duration = .seconds(300)

    private let keys: [SymmetricKey]

    /// Creates a verifier or signer from `whsec_…` secrets (several during key rotation).
    /// Throws when a secret is not base64.
    public init(secrets: [String]) throws(SecretFormatError) {
        keys = try secrets.map { secret throws(SecretFormatError) in try Self.key(from: secret) }
    }

    /// Why a secret could not be used.
    public struct SecretFormatError: Error, Sendable, CustomStringConvertible {
        public var description: String { "a Standard Webhooks secret is 'whsec_' followed by base64" }
    }

    static func key(from secret: String) throws(SecretFormatError) -> SymmetricKey {
        var encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        encoded += String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { throw SecretFormatError() }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header value for a message, signed with the first secret.
    public func signature(id: String, timestamp: Int, body: some Collection<UInt8>) -> String {
        "v1," + Data(Self.mac(key: keys[0], id: id, timestamp: timestamp, body: body)).base64EncodedString()
    }

    private static func mac(key: SymmetricKey, id: String, timestamp: Int, body: some Collection<UInt8>) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }

    /// Why a delivery failed verification.
    public struct VerificationError: Error, Sendable, Equatable, CustomStringConvertible {
        /// A sentence for the 401 problem body.
        public let description: String
    }

    /// Verifies a delivery. Accepts when any `v1,` entry matches any secret.
    public func verify(
        id: String?,
        timestamp: String?,
        signatureHeader: String?,
        body: some Collection<UInt8>,
        now: Date,
        tolerance: Duration = defaultTolerance
    ) throws(VerificationError) {
        guard let id, !id.isEmpty, let timestamp, let signatureHeader else {
            throw VerificationError(description: "missing webhook-id, webhook-timestamp or webhook-signature header")
        }
        guard let seconds = Int(timestamp) else {
            throw VerificationError(description: "webhook-timestamp is not a whole number of seconds")
        }
        let skew = abs(now.timeIntervalSince1970 - Double(seconds))
        guard skew <= Double(tolerance.components.seconds) else {
            throw VerificationError(
                description: "webhook-timestamp is \(Int(skew)) s from now, outside the \(tolerance.components.seconds) s tolerance"
            )
        }
        let candidates = signatureHeader.split(separator: " ").compactMap { entry -> [UInt8]? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let bytes = Data(base64Encoded: String(parts[1])) else { return nil }
            return Array(bytes)
        }
        let bodyBytes = Array(body)
        for key in keys {
            let expected = Self.mac(key: key, id: id, timestamp: seconds, body: bodyBytes)
            // Check every candidate so timing does not reveal which one matched.
            var matched = false
            for candidate in candidates where ConstantTime.equals(candidate, expected) { matched = true }
            if matched { return }
        }
        throw VerificationError(description: candidates.isEmpty ? "webhook-signature has no v1 signature" : "no v1 signature matches")
    }
}
