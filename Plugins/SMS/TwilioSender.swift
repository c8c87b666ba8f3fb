import Foundation
import HTTPTypes
import ListeningPostKit

/// Sends an SMS through Twilio's Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
/// with HTTP Basic auth (the account SID and auth token, or an API key SID and secret), and a
/// form of `To`, `From` (or `MessagingServiceSid`), `Body` and, optionally, `StatusCallback`,
/// as Twilio's own SDK builds it. Twilio answers 201 with the message's `sid`; errors are
/// JSON with Twilio's `code` and `message` (21211: invalid `To`; 20429: too many requests).
///
/// Request building and answer reading are pure, for tests; ``send(_:http:)`` does the I/O.
struct TwilioSender: Sendable {
    var accountSid: String
    /// Basic auth user: the API key SID if one is set, else the account SID.
    var username: String
    var password: String
    var from: String?
    var messagingServiceSid: String?
    var statusCallback: String?
    /// `https://api.twilio.com`, or a test server.
    var apiURL: URL
    var timeout: Duration = .seconds(30)

    /// The request for a message.
    func request(for message: OutboundMessage) -> (head: HTTPRequest, body: [UInt8]) {
        // In the order Twilio's Python SDK writes them (tested against it).
        var form: [(name: String, value: String)] = [("To", message.to.phone ?? "")]
        if let statusCallback { form.append(("StatusCallback", statusCallback)) }
        if let messagingServiceSid { form.append(("MessagingServiceSid", messagingServiceSid)) } else { form.append(("From", from ?? "")) }
        form.append(("Body", message.text))
        let authority = apiURL.port.map { "\(apiURL.host ?? ""):\($0)" } ?? (apiURL.host ?? "")
        let prefix = apiURL.path.hasSuffix("/") ? String(apiURL.path.dropLast()) : apiURL.path
        var head = HTTPRequest(
            method: .post,
            scheme: apiURL.scheme,
            authority: authority,
            path: "\(prefix)/2010-04-01/Accounts/\(accountSid)/Messages.json"
        )
        head.headerFields[.authorization] = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[.accept] = "application/json"
        head.headerFields[HTTPField.Name("Accept-Charset")!] = "utf-8"
        return (head, Array(FormURLEncoded.encode(form).utf8))
    }

    /// What Twilio's answer means: the `sid` on 2xx; 429 and 5xx retryable (with
    /// `Retry-After`); any other status permanent, with Twilio's code and message.
    static func outcome(_ response: OutboundHTTPResponse) -> Result<SendReceipt, SendFailure> {
        let status = response.head.status.code
        let json = (try? JSONValue.parse(response.body))?.objectValue ?? [:]
        if (200..<300).contains(status), let sid = json["sid"]?.stringValue { return .success(SendReceipt(providerId: sid)) }
        var detail = "Twilio answered \(status)"
        if case .number(let code)? = json["code"] { detail += " (code \(Int(code)))" }
        if let message = json["message"]?.stringValue { detail += ": \(message)" }
        if (200..<300).contains(status) { return .failure(SendFailure(.retryable, "Twilio answered \(status) without a message sid")) }
        if status == 429 || status >= 500 {
            let retryAfter = SendFailure.retryAfter(response.head)
            return .failure(SendFailure(.retryable, detail, retryAfter: retryAfter))
        }
        return .failure(SendFailure(.permanent, detail))
    }

    func send(_ message: OutboundMessage, http: any OutboundHTTPClient) async throws(SendFailure) -> SendReceipt {
        guard message.to.phone != nil else { throw SendFailure(.permanent, "no phone number to send to") }
        let (head, body) = request(for: message)
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
