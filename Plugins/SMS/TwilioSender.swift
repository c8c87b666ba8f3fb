import Foundation
import HTTPTypes
import ListeningPostKit

/// Sends an SMS through Twilio's Messages API (``TwilioREST``, `Messages.json`): a form of
/// `To`, `From` (or `MessagingServiceSid`), `Body` and, optionally, `StatusCallback`, as
/// Twilio's own SDK builds it. Errors are Twilio's `code` and `message` (21211: invalid
/// `To`; 20429: too many requests).
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

    var rest: TwilioREST { TwilioREST(accountSid: accountSid, username: username, password: password, apiURL: apiURL, timeout: timeout) }

    /// The request for a message.
    func request(for message: OutboundMessage) -> (head: HTTPRequest, body: [UInt8]) {
        rest.request("Messages.json", form: form(for: message))
    }

    /// The form, in the order Twilio's Python SDK writes it (tested against it).
    private func form(for message: OutboundMessage) -> [(name: String, value: String)] {
        var form: [(name: String, value: String)] = [("To", message.to.phone ?? "")]
        if let statusCallback { form.append(("StatusCallback", statusCallback)) }
        if let messagingServiceSid { form.append(("MessagingServiceSid", messagingServiceSid)) } else { form.append(("From", from ?? "")) }
        form.append(("Body", message.text))
        return form
    }

    func send(_ message: OutboundMessage, http: any OutboundHTTPClient) async throws(SendFailure) -> SendReceipt {
        guard message.to.phone != nil else { throw SendFailure(.permanent, "no phone number to send to") }
        return try await rest.post("Messages.json", form: form(for: message), http: http)
    }
}
