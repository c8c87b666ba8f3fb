import Foundation
import HTTPTypes
import ListeningPostKit

/// How a webhook request proves its origin. Verification looks only at headers and the raw
/// body, before anything is parsed.
struct WebhookSignatureCheck: Sendable {
    enum Scheme: Sendable {
        case standardWebhooks(StandardWebhooks, tolerance: Duration)
        case github(header: HTTPField.Name)
        case sharedSecret(header: HTTPField.Name)
    }

    let scheme: Scheme
    let secrets: [Secret]

    init(_ config: ConfigValues) throws {
        let secret = try config.secret("secret").orThrow(config.invalid("secret", "is required"))
        secrets = [secret] + [config.secret("previous_secret")].compactMap { $0 }
        let headerName = config.string("header")
        func header(_ fallback: String) throws(ConfigError) -> HTTPField.Name {
            guard let name = HTTPField.Name(headerName ?? fallback) else {
                throw config.invalid("header", "'\(headerName ?? "")' is not a valid header name")
            }
            return name
        }
        switch config.string("scheme") {
        case "standard_webhooks":
            do {
                let verifier = try StandardWebhooks(secrets: secrets.map(\.value))
                scheme = .standardWebhooks(verifier, tolerance: config.duration("tolerance") ?? StandardWebhooks.defaultTolerance)
            } catch {
                throw config.invalid("secret", "\(error)")
            }
        case "github":
            scheme = .github(header: try header("X-Hub-Signature-256"))
        default:
            scheme = .sharedSecret(header: try header("X-Webhook-Secret"))
        }
    }

    /// Throws a 401 problem when the request is not authentic.
    func verify(_ request: InboundHTTPRequest, now: Date) throws(HTTPProblem) {
        let fields = request.head.headerFields
        switch scheme {
        case .standardWebhooks(let verifier, let tolerance):
            do {
                try verifier.verify(
                    id: fields[HTTPField.Name("webhook-id")!],
                    timestamp: fields[HTTPField.Name("webhook-timestamp")!],
                    signatureHeader: fields[HTTPField.Name("webhook-signature")!],
                    body: request.body,
                    now: now,
                    tolerance: tolerance
                )
            } catch {
                throw .badSignature(error.description)
            }
        case .github(let header):
            guard let value = fields[header] else { throw .badSignature("missing \(header) header") }
            guard HMACSignature.verifyPrefixedSHA256(header: value, secrets: secrets.map(\.value), body: request.body) else {
                throw .badSignature("\(header) does not match the body")
            }
        case .sharedSecret(let header):
            guard let value = fields[header] else { throw .badSignature("missing \(header) header") }
            var matched = false
            for secret in secrets where ConstantTime.equals(value, secret.value) { matched = true }
            guard matched else { throw .badSignature("\(header) is not the shared secret") }
        }
    }
}

extension Optional {
    func orThrow<E: Error>(_ error: @autoclosure () -> E) throws(E) -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
