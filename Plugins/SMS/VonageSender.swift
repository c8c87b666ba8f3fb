import Foundation
import HTTPTypes
import ListeningPostKit

/// Sends an SMS through Vonage's SMS API: `POST /sms/json` on `rest.nexmo.com`, HTTP Basic
/// auth with the API key and secret, a form of `to` and `from` (E.164 without the `+`),
/// `text`, `client-ref` (our outbox id, so Vonage's records name it) and `type: unicode`
/// when the text is outside the GSM 7-bit alphabet, as Vonage's own SDK builds it.
///
/// Vonage answers 200 even for a refused message: `messages[0].status` is `"0"` when sent
/// (with its `message-id`); `"1"` (throttled) and `"5"` (internal error) are worth
/// retrying; every other status is final, with Vonage's `error-text`.
struct VonageSender: Sendable {
    var apiKey: String
    var apiSecret: Secret
    var from: String
    var callback: String?
    var apiURL: URL
    var timeout: Duration = .seconds(30)

    /// GSM 03.38's basic alphabet and extension table: text within it is sent as `text`.
    static let gsmCharacters: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
    )

    func request(for message: OutboundMessage) -> (head: HTTPRequest, body: [UInt8]) {
        let digits = { (number: String) in number.hasPrefix("+") ? String(number.dropFirst()) : number }
        var form: [(name: String, value: String)] = [("to", digits(message.to.phone ?? "")), ("from", digits(from)), ("text", message.text)]
        form.append(("client-ref", String(message.id.prefix(100))))
        if !message.text.allSatisfy(Self.gsmCharacters.contains) { form.append(("type", "unicode")) }
        if let callback { form.append(("callback", callback)) }
        let authority = apiURL.port.map { "\(apiURL.host ?? ""):\($0)" } ?? (apiURL.host ?? "")
        let prefix = apiURL.path.hasSuffix("/") ? String(apiURL.path.dropLast()) : apiURL.path
        var head = HTTPRequest(method: .post, scheme: apiURL.scheme, authority: authority, path: "\(prefix)/sms/json")
        head.headerFields[.authorization] = "Basic " + Data("\(apiKey):\(apiSecret.value)".utf8).base64EncodedString()
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[.accept] = "application/json"
        return (head, Array(FormURLEncoded.encode(form).utf8))
    }

    static func outcome(_ response: OutboundHTTPResponse) -> Result<SendReceipt, SendFailure> {
        let status = response.head.status.code
        if status == 429 || status >= 500 {
            let retryAfter = SendFailure.retryAfter(response.head)
            return .failure(SendFailure(.retryable, "Vonage answered \(status)", retryAfter: retryAfter))
        }
        let json = (try? JSONValue.parse(response.body))?.objectValue ?? [:]
        guard (200..<300).contains(status), case .array(let messages)? = json["messages"], let first = messages.first?.objectValue else {
            return .failure(SendFailure(.permanent, "Vonage answered \(status)\(json["error_title"]?.stringValue.map { ": \($0)" } ?? "")"))
        }
        let code = first["status"]?.stringValue ?? "?"
        if code == "0", let id = first["message-id"]?.stringValue { return .success(SendReceipt(providerId: id)) }
        let detail = "Vonage status \(code)\(first["error-text"]?.stringValue.map { ": \($0)" } ?? "")"
        return .failure(SendFailure(code == "1" || code == "5" ? .retryable : .permanent, detail))
    }

    func send(_ message: OutboundMessage, http: any OutboundHTTPClient) async throws(SendFailure) -> SendReceipt {
        guard message.to.phone != nil else { throw SendFailure(.permanent, "no phone number to send to") }
        let (head, body) = request(for: message)
        let response: OutboundHTTPResponse
        do {
            response = try await http.send(head, body: body, timeout: timeout, maxResponseSize: 1 << 20)
        } catch {
            throw SendFailure(.retryable, "could not reach Vonage: \(error)")
        }
        return try Self.outcome(response).get()
    }
}
