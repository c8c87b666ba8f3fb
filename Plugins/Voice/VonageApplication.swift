import Foundation
import JWTKit

/// A Vonage application's identity for its own API: Vonage serves a recording only to a
/// request with the application's JWT (RS256 with its private key; claims
/// `application_id`, `iat`, `jti`, `exp`), signed here with jwt-kit.
struct VonageApplication: Sendable {
    let id: String
    let privateKey: Insecure.RSA.PrivateKey

    struct Claims: JWTPayload {
        var applicationId: String
        var iat: IssuedAtClaim
        var exp: ExpirationClaim
        var jti: IDClaim

        enum CodingKeys: String, CodingKey {
            case applicationId = "application_id"
            case iat, exp, jti
        }

        func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
    }

    /// Reads the PEM private key the dashboard gave (PKCS#8 or PKCS#1); `nil` if it is none.
    init?(id: String, privateKeyPEM: String) {
        guard let key = try? Insecure.RSA.PrivateKey(pem: privateKeyPEM) else { return nil }
        self.id = id
        self.privateKey = key
    }

    /// A token valid for 15 minutes from `now`, one per request.
    func token(now: Date) async throws -> String {
        let keys = await JWTKeyCollection().add(rsa: privateKey, digestAlgorithm: .sha256)
        let claims = Claims(
            applicationId: id,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(900)),
            jti: IDClaim(value: UUID().uuidString.lowercased())
        )
        return try await keys.sign(claims)
    }
}
