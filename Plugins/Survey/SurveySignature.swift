import Crypto
import Foundation
import HTTPTypes
import ListeningPostKit

/// Checks that a delivery comes from the survey tool, as each one signs:
///
/// - Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>` (base64,
///   not hex), keyed with the webhook's secret.
/// - Delighted: `X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
///   keyed with the project's API key.
/// - Formbricks: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
///
/// Every secret is tried and compared in constant time, so the time taken does not tell
/// which one matched (or how much of a guess was right).
struct SurveySignature: Sendable {
    let provider: SurveySettings.Provider
    let secrets: [String]
    let standardWebhooks: StandardWebhooks?

    init(provider: SurveySettings.Provider, secrets: [String]) throws {
        self.provider = provider
        self.secrets = secrets
        standardWebhooks = provider == .formbricks ? try StandardWebhooks(secrets: secrets) : nil
    }

    func verify(_ request: InboundHTTPRequest, now: Date) throws(HTTPProblem) {
        let headers = request.head.headerFields
        switch provider {
        case .typeform:
            let name = HTTPField.Name("Typeform-Signature")!
            guard let header = headers[name], header.hasPrefix("sha256=") else {
                throw .badSignature("missing Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>")
            }
            let given = Array(header.dropFirst(7).utf8)
            var matched = false
            for secret in secrets where ConstantTime.equals(given, Array(Self.typeformSignature(secret: secret, body: request.body).utf8)) {
                matched = true
            }
            guard matched else { throw .badSignature("Typeform-Signature does not match the body") }
        case .delighted:
            let header = headers[HTTPField.Name("X-Delighted-Webhook-Signature")!]
            guard header != nil else { throw .badSignature("missing X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>") }
            guard HMACSignature.verifyPrefixedSHA256(header: header, secrets: secrets, body: request.body) else {
                throw .badSignature("X-Delighted-Webhook-Signature does not match the body")
            }
        case .formbricks:
            do {
                try standardWebhooks!.verify(
                    id: headers[HTTPField.Name("webhook-id")!],
                    timestamp: headers[HTTPField.Name("webhook-timestamp")!],
                    signatureHeader: headers[HTTPField.Name("webhook-signature")!],
                    body: request.body,
                    now: now
                )
            } catch {
                throw .badSignature(error.description)
            }
        }
    }

    /// base64(HMAC-SHA256(key: secret, body)): Typeform's scheme.
    static func typeformSignature(secret: String, body: [UInt8]) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))).base64EncodedString()
    }
}
