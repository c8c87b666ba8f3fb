import Crypto
import Foundation
import ListeningPostKit

/// The signature on an NPS score link. One signature covers all eleven links of one
/// email (it signs the survey, the address and the send time, not the score), so a mailer
/// signs once per recipient:
///
///     sig = lowercase hex HMAC-SHA256(secret, "<survey>\n<email>\n<t>")
///
/// and writes `…/nps?survey=<survey>&email=<email>&t=<t>&score=<0…10>&sig=<sig>`.
public enum NPSLinkSignature {
    /// The signature for one recipient of one survey sent at `issuedAt` (Unix seconds).
    public static func sign(survey: String, email: String, issuedAt: Int, secret: String) -> String {
        HMACSignature.sha256Hex(secret: secret, body: signedText(survey: survey, email: email, issuedAt: issuedAt))
    }

    /// A complete score link, for mailers written in Swift and for tests.
    public static func link(base: String, survey: String, email: String, score: Int, issuedAt: Int, secret: String) -> String {
        let signature = sign(survey: survey, email: email, issuedAt: issuedAt, secret: secret)
        let query = [("survey", survey), ("email", email), ("t", String(issuedAt)), ("score", String(score)), ("sig", signature)]
            .map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        return base + "?" + query
    }

    static func isValid(_ signature: String, survey: String, email: String, issuedAt: Int, secrets: [String]) -> Bool {
        HMACSignature.verifySHA256Hex(signature, secrets: secrets, body: signedText(survey: survey, email: email, issuedAt: issuedAt))
    }

    private static func signedText(survey: String, email: String, issuedAt: Int) -> [UInt8] {
        Array("\(survey)\n\(email)\n\(issuedAt)".utf8)
    }

    private static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
