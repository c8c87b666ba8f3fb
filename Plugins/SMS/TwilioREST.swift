import Foundation
import HTTPTypes
import ListeningPostKit

/// Twilio's REST API for one account, as its SDKs call it: a form `POST` to
/// `/2010-04-01/Accounts/{AccountSid}/{resource}` with HTTP Basic auth (the account SID and
/// auth token, or an API key SID and secret). Twilio answers 2xx with the resource's `sid`;
/// errors are JSON with Twilio's `code` and `message`. The SMS sender posts `Messages.json`,
/// the voice channel `Calls.json`.
///
/// Request building and answer reading are pure, for tests; ``post(_:form:http:)`` does the I/O.
package struct TwilioREST: Sendable {
    package var accountSid: String
    /// Basic auth user: the API key SID if one is set, else the account SID.
    package var username: String
    package var password: String
    /// `https://api.twilio.com`, or a test server.
    package var apiURL: URL
    package var timeout: Duration = .seconds(30)

    package init(accountSid: String, username: String, password: String, apiURL: URL, timeout: Duration = .seconds(30)) {
        self.accountSid = accountSid
        self.username = username
        self.password = password
        self.apiURL = apiURL
        self.timeout = timeout
    }

    package func request(_ resource: String, form: [(name: String, value: String)]) -> (head: HTTPRequest, body: [UInt8]) {
        let authority = apiURL.port.map { "\(apiURL.host ?? ""):\($0)" } ?? (apiURL.host ?? "")
        let prefix = apiURL.path.hasSuffix("/") ? String(apiURL.path.dropLast()) : apiURL.path
        var head = HTTPRequest(
            method: .post,
            scheme: apiURL.scheme,
            authority: authority,
            path: "\(prefix)/2010-04-01/Accounts/\(accountSid)/\(resource)"
        )
        head.headerFields[.authorization] = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[.accept] = "application/json"
        head.headerFields[HTTPField.Name("Accept-Charset")!] = "utf-8"
        return (head, Array(FormURLEncoded.encode(form).utf8))
    }

    /// What Twilio's answer means: the `sid` on 2xx; 429 and 5xx retryable (with
    /// `Retry-After`); any other status permanent, with Twilio's code and message.
    package static func outcome(_ response: OutboundHTTPResponse) -> Result<SendReceipt, SendFailure> {
        let status = response.head.status.code
        let json = (try? JSONValue.parse(response.body))?.objectValue ?? [:]
        if (200..<300).contains(status), let sid = json["sid"]?.stringValue { return .success(SendReceipt(providerId: sid)) }
        var detail = "Twilio answered \(status)"
        if case .number(let code)? = json["code"] { detail += " (code \(Int(code)))" }
        if let message = json["message"]?.stringValue { detail += ": \(message)" }
        if (200..<300).contains(status) { return .failure(SendFailure(.retryable, "Twilio answered \(status) without a sid")) }
        if status == 429 || status >= 500 {
            let retryAfter = SendFailure.retryAfter(response.head)
            return .failure(SendFailure(.retryable, detail, retryAfter: retryAfter))
        }
        return .failure(SendFailure(.permanent, detail))
    }

    package func post(
        _ resource: String,
        form: [(name: String, value: String)],
        http: any OutboundHTTPClient
    ) async throws(SendFailure)
        -> SendReceipt
    {
        let (head, body) = request(resource, form: form)
        let response: OutboundHTTPResponse
        do {
            response = try await http.send(head, body: body, timeout: timeout, maxResponseSize: 1 << 20)
        } catch {
            throw SendFailure(.retryable, "could not reach Twilio: \(error)")
        }
        switch Self.outcome(response) {
        case .success(let receipt): return receipt
        case .failure(let failure): throw failure
        }
    }
}
