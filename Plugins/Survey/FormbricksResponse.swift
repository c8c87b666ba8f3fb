import Foundation
import ListeningPostKit

/// A Formbricks `responseFinished` webhook to a message. Pure.
///
/// Answers are in `data.data`, keyed by question id (hidden fields too); only a finished
/// response is stored (`responseCreated` and `responseUpdated` are partial and are
/// answered 202 and ignored). The body is one event object; Formbricks' documentation
/// shows it inside a one-element list, which is read the same. Dedup on the response id.
enum FormbricksResponse {
    static func delivery(_ payload: JSONValue, settings: SurveySettings) throws(HTTPProblem) -> SurveyDelivery {
        var root = payload
        if case .array(let items) = payload {
            guard items.count == 1 else { throw .malformed("body: expected one webhook event, got a list of \(items.count)") }
            root = items[0]
        }
        let body = try SurveyPayload(root, path: "body")
        let event = try body.string("event")
        guard event == "responseFinished" else {
            return .ignored(reason: "event", detail: "event '\(event ?? "none")' is not responseFinished; only finished responses are stored")
        }
        let data = try body.object("data")
        let id = try data.requiredString("id")
        let surveyId = try data.string("surveyId")
        let survey = settings.survey ?? surveyId ?? ""
        let answers = try data.optionalObject("data") ?? SurveyPayload([:], path: "body.data.data")
        var reason: String?
        if let question = settings.reasonQuestion { reason = try answers.string(question).flatMap { $0.isEmpty ? nil : $0 } }
        var message = InboundMessage(dedupKey: "formbricks:\(id)", text: reason ?? "")
        var details: [String: JSONValue] = ["responseId": .string(id)]
        if let surveyId { details["surveyId"] = .string(surveyId) }
        if let webhookId = try body.string("webhookId") { details["webhookId"] = .string(webhookId) }
        if let question = settings.npsQuestion, let value = answers.root[question], value != .null {
            guard case .number(let number) = value else {
                throw .malformed("body.data.data.\(question): the NPS question has \(value.kindDescription) answer; expected a number 0–10")
            }
            message.feedback = try Feedback.surveyScore(number, at: "body.data.data.\(question)", reason: reason, survey: survey)
        }
        let attributes = try data.optionalObject("contactAttributes")
        // `??` takes an untyped-throwing closure, so each fallback is read first.
        let attributeEmail = try attributes?.string("email")
        let attributePhone = try attributes?.string("phone")
        let contactUser = try data.optionalObject("contact")?.string("userId")
        message.author.email = try answers.string(settings.identityFields.email) ?? attributeEmail
        message.author.id = try answers.string(settings.identityFields.customerId) ?? contactUser
        if let phone = try answers.string(settings.identityFields.phone) ?? attributePhone { SurveyIdentity.setPhone(phone, on: &message) }
        let updatedAt = try data.string("updatedAt")
        let createdAt = try data.string("createdAt")
        if let finished = updatedAt ?? createdAt {
            guard let date = RFC3339.date(from: finished) else { throw .malformed("body.data.updatedAt: '\(finished)' is not an RFC 3339 time") }
            message.occurredAt = date
        }
        if let language = try data.string("language") { details["language"] = .string(language) }
        if let title = try data.optionalObject("survey")?.string("title") { details["surveyTitle"] = .string(title) }
        message.metadata["formbricks"] = .object(details)
        return .response(message, supersedesKey: nil)
    }
}
