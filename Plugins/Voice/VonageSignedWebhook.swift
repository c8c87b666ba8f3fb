import Crypto
import HTTPTypes
import JWTKit
import ListeningPostKit

/// Vonage's signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the account's
/// signature secret, whose `payload_hash` claim is the SHA-256 (hex) of the body. Verified
/// with jwt-kit, not by hand; the hash is compared in constant time.
///
/// A captured request replayed later verifies again (Vonage's tokens carry `iat` but no
/// documented lifetime): the voicemail's dedup key (`recording_uuid`) makes a replay a
/// duplicate, so nothing is stored twice.
struct VonageSignedWebhook: Sendable {
    /// The claims Vonage puts in the token; only `payload_hash` is checked beyond the signature.
    struct Claims: JWTPayload {
        var iat: IssuedAtClaim?
        var jti: IDClaim?
        var iss: IssuerClaim?
        var payloadHash: String?
        var apiKey: String?
        var applicationId: String?

        enum CodingKeys: String, CodingKey {
            case iat, jti, iss
            case payloadHash = "payload_hash"
            case apiKey = "api_key"
            case applicationId = "application_id"
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The signature secrets, the current one first (rotation keeps the old).
    let secrets: [String]

    var isEmpty: Bool { secrets.isEmpty }

    /// Verifies the request's token and, when the body is not empty, its `payload_hash`.
    func verify(_ request: InboundHTTPRequest) async throws(HTTPProblem) {
        guard let header = request.head.headerFields[.authorization], header.hasPrefix("Bearer ") else {
            throw .badSignature("Authorization: Bearer <JWT> is missing; turn on signed callbacks for the Vonage application")
        }
        let token = header.dropFirst("Bearer ".count).trimmingASCIIWhitespace()
        var verified: Claims?
        // jwt-kit's key collection is an actor filled asynchronously, which an adapter's
        // synchronous init cannot do; adding an HMAC key is a copy, so it is made per request.
        for secret in secrets {
            let keys = await JWTKeyCollection().add(hmac: Self.key(secret), digestAlgorithm: .sha256)
            if let claims = try? await keys.verify(token, as: Claims.self) {
                verified = claims
                break
            }
        }
        guard let claims = verified else { throw .badSignature("the JWT is malformed or not signed (HS256) with the signature secret") }
        if !request.body.isEmpty {
            guard let hash = claims.payloadHash else { throw .badSignature("the JWT has no payload_hash for the body") }
            guard ConstantTime.equals(hash.lowercased(), Hex.sha256(request.body)) else {
                throw .badSignature("payload_hash does not match the SHA-256 of the body")
            }
        }
    }

    /// The secret as an HMAC key of at least 32 bytes. jwt-kit asserts that length (and says
    /// it will become a precondition), while Vonage's secrets may be shorter; HMAC pads a
    /// short key with zeros to its block size anyway, so padding it here gives the same MAC.
    static func key(_ secret: String) -> HMACKey {
        var bytes = Array(secret.utf8)
        if bytes.count < 32 { bytes += [UInt8](repeating: 0, count: 32 - bytes.count) }
        return HMACKey(from: bytes)
    }
}
