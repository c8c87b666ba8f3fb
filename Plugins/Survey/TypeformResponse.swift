import Foundation
import ListeningPostKit

/// A Typeform `form_response` webhook to a message. Pure.
///
/// Answers are matched to questions by `field.ref` (or `field.id`), never by position,
/// and an unanswered question is simply absent. The NPS answer is a `number` answer (an
/// NPS or opinion-scale field); the respondent comes from hidden fields, else from an
/// `email` or `phone_number` answer. Dedup on `form_response.token`, the response id.
enum TypeformResponse {
    static func delivery(_ payload: JSONValue, settings: SurveySettings) throws(HTTPProblem) -> SurveyDelivery {
        let body = try SurveyPayload(payload, path: "body")
        let eventType = try body.string("event_type")
        guard eventType == "form_response" else {
            return .ignored(reason: "event_type", detail: "event_type '\(eventType ?? "none")' carries no form response")
        }
        let response = try body.object("form_response")
        let token = try response.requiredString("token")
        let formId = try response.string("form_id")
        let survey = settings.survey ?? formId ?? ""
        let answers = try response.array("answers").enumerated().map { index, answer throws(HTTPProblem) in
            try SurveyPayload(answer, path: "body.form_response.answers[\(index)]")
        }
        func answer(for question: String?) throws(HTTPProblem) -> SurveyPayload? {
            guard let question else { return nil }
            for answer in answers {
                guard let field = try answer.optionalObject("field") else { continue }
                let ref = try field.string("ref")
                let id = try field.string("id")
                if ref == question || id == question { return answer }
            }
            return nil
        }
        var reason: String?
        if let answer = try answer(for: settings.reasonQuestion) {
            reason = try answer.string("text")
        }
        var message = InboundMessage(dedupKey: "typeform:\(token)", text: reason ?? "")
        var details: [String: JSONValue] = ["token": .string(token)]
        if let formId { details["formId"] = .string(formId) }
        if let answer = try answer(for: settings.npsQuestion) {
            let type = try answer.string("type")
            guard type == "number", let number = try answer.number("number") else {
                throw .malformed(
                    "\(answer.path): the NPS question '\(settings.npsQuestion!)' has \(type.map { "a \($0)" } ?? "an untyped") answer; expected a number answer 0–10 (an NPS or opinion scale field)"
                )
            }
            message.feedback = try Feedback.surveyScore(number, at: "\(answer.path).number", reason: reason, survey: survey)
            if let fieldType = try answer.optionalObject("field")?.string("type") { details["npsFieldType"] = .string(fieldType) }
        }
        if let hidden = try response.optionalObject("hidden") {
            message.author.email = try hidden.string(settings.identityFields.email)
            message.author.id = try hidden.string(settings.identityFields.customerId)
            if let phone = try hidden.string(settings.identityFields.phone) { SurveyIdentity.setPhone(phone, on: &message) }
            details["hidden"] = .object(hidden.root)
        }
        for answer in answers {
            switch try answer.string("type") {
            case "email" where message.author.email == nil: message.author.email = try answer.string("email")
            case "phone_number" where message.author.phone == nil:
                if let phone = try answer.string("phone_number") { SurveyIdentity.setPhone(phone, on: &message) }
            default: break
            }
        }
        if let submitted = try response.string("submitted_at") {
            guard let date = RFC3339.date(from: submitted) else {
                throw .malformed("body.form_response.submitted_at: '\(submitted)' is not an RFC 3339 time")
            }
            message.occurredAt = date
        }
        if let landed = try response.string("landed_at") { details["landedAt"] = .string(landed) }
        if let score = try response.optionalObject("calculated")?.number("score") { details["calculatedScore"] = .number(score) }
        message.metadata["typeform"] = .object(details)
        return .response(message, supersedesKey: nil)
    }
}
