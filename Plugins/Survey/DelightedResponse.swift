import Foundation
import ListeningPostKit

/// A Delighted `survey_response.created` or `.updated` webhook to a message. Pure.
///
/// An update (a comment added later, a changed score) is a message of its own, keyed by
/// the response id and its `updated_at`, that supersedes the response's first delivery;
/// every delivery of a response is dated by the response's `created_at`, so NPS counts
/// the response once, in one place. Delighted also runs CSAT and CES surveys: a response
/// whose `survey_type` is not `nps` is stored without feedback (the score is in metadata).
enum DelightedResponse {
    static func delivery(_ payload: JSONValue, settings: SurveySettings, channel: String) throws(HTTPProblem) -> SurveyDelivery {
        let body = try SurveyPayload(payload, path: "body")
        let eventType = try body.string("event_type")
        guard eventType == "survey_response.created" || eventType == "survey_response.updated" else {
            return .ignored(reason: "event_type", detail: "event_type '\(eventType ?? "none")' carries no survey response")
        }
        let data = try body.object("event_data")
        let id = try data.requiredString("id")
        let comment = try data.string("comment").flatMap { $0.isEmpty ? nil : $0 }
        let survey = settings.survey ?? channel
        let created = try data.number("created_at")
        let updated = try data.number("updated_at")
        let isUpdate = eventType == "survey_response.updated" && updated != nil && updated != created
        var message = InboundMessage(dedupKey: isUpdate ? "delighted:\(id)@\(Int(updated!))" : "delighted:\(id)", text: comment ?? "")
        var details: [String: JSONValue] = ["responseId": .string(id), "eventType": .string(eventType!)]
        if let eventId = try body.string("event_id") { details["eventId"] = .string(eventId) }
        let surveyType = try data.string("survey_type")
        if let surveyType { details["surveyType"] = .string(surveyType) }
        if let score = try data.number("score") {
            details["score"] = .number(score)
            if surveyType == nil || surveyType == "nps" {
                message.feedback = try Feedback.surveyScore(score, at: "body.event_data.score", reason: comment, survey: survey)
            }
        }
        if let person = try data.optionalObject("person") {
            message.author.email = try person.string("email")
            message.author.name = try person.string("name")
            message.author.id = try person.string("id")
            if let phone = try person.string("phone_number") { SurveyIdentity.setPhone(phone, on: &message) }
        }
        if let created { message.occurredAt = Date(timeIntervalSince1970: created) }
        if let permalink = try data.string("permalink") { details["permalink"] = .string(permalink) }
        if case .object(let properties)? = data.root["person_properties"] { details["personProperties"] = .object(properties) }
        message.metadata["delighted"] = .object(details)
        return .response(message, supersedesKey: isUpdate ? "delighted:\(id)" : nil)
    }
}
