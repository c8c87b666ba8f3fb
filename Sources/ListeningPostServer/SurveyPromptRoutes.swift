import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// `POST /v1/survey-prompts` (operator token with scope `prompts`): records that a survey
/// went to a customer on a channel, so their reply there is read for a score for
/// `nps.reply_window`. Answered 202 after the `survey.sent` event is committed; an
/// `Idempotency-Key` header (else the body's bytes) makes a retry a duplicate.
///
/// ```json
/// {"channel": "sms-replies", "survey": "relationship-2026q4", "to": {"phone": "+447700900123"}, "sentAt": "2026-11-30T09:00:00Z"}
/// ```
/// `to` names the customer as a message's author would: `customer_id`, `email`, `phone`
/// or `handle`; it is resolved as the reply's author will be, so the two meet.
struct SurveyPromptRoutes: Sendable {
    let log: any EventLog
    let router: EventRouter
    let authenticator: OperatorAuthenticator
    let channels: [ChannelDeclaration]
    let ids = EventIDGenerator()

    func register(on routes: Router<BasicRequestContext>) {
        routes.post("/v1/survey-prompts") { request, _ in
            _ = try authenticator.authorize(request, scope: .prompts)
            let body = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            let prompt = try read(body, now: Date())
            let key = request.idempotencyKey(body: body, headerPrefix: "idempotency:")
            let event = PreparedEvent(
                id: prompt.id,
                dedupKey: key,
                payload: prompt.jsonBytes(receivedAt: Date()),
                streams: [RoutingRules.firehose, SurveyPrompt.stream]
            )
            let receipt: IngestReceipt
            do {
                receipt = try await log.append(AppendRequest(channel: SurveyPrompt.logChannel, events: [event]))[0]
            } catch {
                throw HTTPProblem.unavailable("the prompt could not be stored; retry later")
            }
            return Response.json(
                .accepted,
                ["id": .string(receipt.eventId), "duplicate": .bool(receipt.duplicate), "customer": .string(prompt.customer.id)]
            )
        }
    }

    /// The prompt a body asks for, or the exact problem.
    func read(_ body: [UInt8], now: Date) throws(HTTPProblem) -> SurveyPrompt {
        guard case .object(let object)? = try? JSONValue.parse(body) else {
            throw .malformed(
                "the body must be a JSON object: {\"channel\": …, \"survey\": …, \"to\": {\"email\" | \"phone\" | \"handle\" | \"customer_id\": …}}"
            )
        }
        guard let channelId = object["channel"]?.stringValue, !channelId.isEmpty else {
            throw .malformed("channel: required (the channel id the survey went out on)")
        }
        guard let channel = channels.first(where: { $0.id == channelId }) else {
            throw .malformed("channel: '\(channelId)' is not a channel (channels: \(channels.map(\.id).joined(separator: ", ")))")
        }
        guard let survey = object["survey"]?.stringValue, !survey.isEmpty else { throw .malformed("survey: required (the survey or campaign id)") }
        guard case .object(let to)? = object["to"] else {
            throw .malformed("to: required, an object naming the customer by customer_id, email, phone or handle")
        }
        for key in to.keys where !["customer_id", "email", "phone", "handle"].contains(key) {
            throw .malformed("to.\(key): unknown; name the customer by customer_id, email, phone or handle")
        }
        var author = Author(email: to["email"]?.stringValue, handle: to["handle"]?.stringValue, id: nil)
        if let raw = to["phone"]?.stringValue {
            guard let phone = PhoneNumber.e164(raw) else { throw .malformed("to.phone: '\(raw)' is not a phone number that normalises to E.164") }
            author.phone = phone
        }
        var sentAt = now
        if let text = object["sentAt"]?.stringValue {
            guard let date = RFC3339.date(from: text) else { throw .malformed("sentAt: '\(text)' is not an RFC 3339 time") }
            sentAt = date
        }
        let customer: CustomerReference
        if let id = to["customer_id"]?.stringValue {
            guard router.directory.customer(id: id) != nil else { throw .malformed("to.customer_id: '\(id)' is not in the customer directory") }
            customer = CustomerReference(id: id, provisional: false)
        } else if let resolved = router.directory.resolve(author, channel: channel.id)?.reference {
            customer = resolved
        } else {
            throw .malformed("to: name the customer by customer_id, email, phone or handle")
        }
        return SurveyPrompt(id: ids.next(), customer: customer, channel: channelId, survey: survey, sentAt: sentAt, to: author)
    }
}
