import Foundation
import HTTPTypes
import ListeningPostKit

/// Answers on the forum through Discourse's API, `POST /posts.json` with `Api-Key` and
/// `Api-Username`: a reply in the customer's topic (`topic_id`, from the message being
/// answered), or, with no topic to answer in, a private message to their handle
/// (`archetype: private_message`, `target_recipients`). Discourse answers 200 with the
/// post's `id`; 422 with `errors` (permanent), 429 with `Retry-After` or
/// `extras.wait_seconds` (retryable), 403 for a key that may not post (permanent).
struct DiscourseReplySender: Sendable {
    var scheme: String
    var authority: String
    var basePath: String
    var apiKey: Secret
    var apiUsername: String
    var timeout: Duration = .seconds(30)

    /// The request for a message, or why there is none.
    func request(for message: OutboundMessage) -> Result<(head: HTTPRequest, body: [UInt8]), SendFailure> {
        var body: [String: JSONValue] = ["raw": .string(message.text)]
        if let topic = message.inReplyTo?.conversationId.flatMap(Int.init) {
            body["topic_id"] = .number(Double(topic))
        } else if let handle = message.to.handle {
            body["archetype"] = "private_message"
            body["target_recipients"] = .string(handle)
            body["title"] = .string(message.subject ?? "A reply to your message")
        } else {
            return .failure(SendFailure(.permanent, "no topic to reply in and no forum handle to write to"))
        }
        var head = HTTPRequest(method: .post, scheme: scheme, authority: authority, path: basePath + "/posts.json")
        head.headerFields[HTTPField.Name("Api-Key")!] = apiKey.value
        head.headerFields[HTTPField.Name("Api-Username")!] = apiUsername
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.accept] = "application/json"
        return .success((head, JSONValue.object(body).compactJSON()))
    }

    /// What the forum's answer means.
    static func outcome(_ response: OutboundHTTPResponse) -> Result<SendReceipt, SendFailure> {
        let status = response.head.status.code
        let json = (try? JSONValue.parse(response.body))?.objectValue ?? [:]
        if (200..<300).contains(status), case .number(let id)? = json["id"] { return .success(SendReceipt(providerId: "post:\(Int(id))")) }
        var detail = "Discourse answered \(status)"
        if case .array(let errors)? = json["errors"] { detail += ": " + errors.compactMap(\.stringValue).joined(separator: "; ") }
        if status == 429 || status >= 500 || (200..<300).contains(status) {
            var wait = response.head.headerFields[.retryAfter].flatMap { Int($0) }
            if wait == nil, case .number(let seconds)? = json["extras"]?.objectValue?["wait_seconds"] { wait = Int(seconds) }
            return .failure(SendFailure(.retryable, detail, retryAfter: wait.map { .seconds($0) }))
        }
        return .failure(SendFailure(.permanent, detail))
    }

    func send(_ message: OutboundMessage, http: any OutboundHTTPClient) async throws(SendFailure) -> SendReceipt {
        let (head, body) = try request(for: message).get()
        let response: OutboundHTTPResponse
        do {
            response = try await http.send(head, body: body, timeout: timeout, maxResponseSize: 1 << 20)
        } catch {
            throw SendFailure(.retryable, "could not reach the forum: \(error)")
        }
        return try Self.outcome(response).get()
    }
}
