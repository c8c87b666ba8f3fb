import Crypto
import HTTPTypes
import ListeningPostKit

/// A Twilio webhook request checked as Twilio signs it, for every Twilio channel (SMS,
/// voice): size, media type, then `X-Twilio-Signature` over the URL Twilio requested and
/// whatever parameters arrive (never a fixed list: Twilio adds parameters without
/// notice). Pure. `package`: the voice adapter verifies its callbacks the same way.
package enum TwilioSignedForm {
    package static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    /// The request's parameters once verified under one of `keys` (none: `insecure: true`,
    /// nothing is checked), or the problem to answer: 413, 415, 401 or 400.
    package static func verify(
        _ request: InboundHTTPRequest,
        keys: [SymmetricKey],
        publicURL: String?,
        maxBodySize: Int
    ) throws(HTTPProblem) -> [(name: String, value: String)] {
        if request.body.count > maxBodySize { throw .tooLarge(limit: maxBodySize) }
        let isGET = request.head.method == .get
        if !isGET, !request.body.isEmpty, request.mediaType != "application/x-www-form-urlencoded" {
            throw .unsupportedMediaType("Twilio posts application/x-www-form-urlencoded, got '\(request.mediaType ?? "none")'")
        }
        // GET webhooks carry the parameters in the URL, which is signed as it is.
        let parameters = isGET ? try request.queryFields() : try request.formBodyFields()
        if !keys.isEmpty {
            guard let signature = request.head.headerFields[signatureHeader] else {
                throw .badSignature("missing X-Twilio-Signature header")
            }
            let url = signedURL(request, publicURL: publicURL)
            guard TwilioSignature.isValid(signature: signature, url: url, parameters: isGET ? [] : parameters, keys: keys) else {
                throw .badSignature(
                    "X-Twilio-Signature does not match \(url); if Twilio is configured with another URL (a proxy in front "
                        + "of the gateway), set twilio.public_url to it"
                )
            }
        }
        if !isGET, request.body.isEmpty { throw .malformed("the body is empty") }
        return parameters
    }

    /// The URL Twilio signed: the configured public URL (with the request's query string
    /// when the configured one has none), else the URL as the request names it, honouring
    /// `X-Forwarded-Proto` and `X-Forwarded-Host` from a proxy.
    package static func signedURL(_ request: InboundHTTPRequest, publicURL: String?) -> String {
        let query = request.rawQuery
        if let publicURL {
            return publicURL.utf8.contains(UInt8(ascii: "?")) || query.isEmpty ? publicURL : publicURL + "?" + query
        }
        let fields = request.head.headerFields
        let scheme =
            fields[HTTPField.Name("X-Forwarded-Proto")!]?.split(separator: ",").first.map { $0.trimmingASCIIWhitespace() } ?? request.head.scheme
            ?? "http"
        let host =
            fields[HTTPField.Name("X-Forwarded-Host")!]?.split(separator: ",").first.map { $0.trimmingASCIIWhitespace() } ?? request.head.authority
            ?? ""
        return "\(scheme)://\(host)\(request.head.path ?? "/")"
    }
}
