import Foundation
import ListeningPostKit

/// One click on a score link, read from the query and checked: signature, age, survey,
/// score. Pure: the query and the time in, a click or the problem out.
struct NPSLinkClick: Equatable {
    var survey: String
    var email: String
    var score: Int
    var issuedAt: Int

    static func read(query: String, settings: NPSLinkSettings, now: Date) -> Result<NPSLinkClick, HTTPProblem> {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormURLEncoded.parse(query)
        } catch {
            return .failure(.malformed("the link's query is not valid: \(error)"))
        }
        var fields: [String: String] = [:]
        for pair in pairs where fields[pair.name] == nil { fields[pair.name] = pair.value }
        for name in ["survey", "email", "t", "score", "sig"] where (fields[name] ?? "").isEmpty {
            return .failure(.malformed("the link has no '\(name)'; it may have been cut short when copied"))
        }
        let survey = fields["survey"]!
        let email = fields["email"]!
        let signature = fields["sig"]!
        guard let issuedAt = Int(fields["t"]!) else { return .failure(.malformed("'t' must be the send time in Unix seconds")) }
        guard let score = Int(fields["score"]!), (0...10).contains(score) else {
            return .failure(.malformed("'score' must be a whole number from 0 to 10"))
        }
        guard NPSLinkSignature.isValid(signature, survey: survey, email: email, issuedAt: issuedAt, secrets: settings.secrets) else {
            return .failure(.badSignature("the link's signature does not match"))
        }
        let age = now.timeIntervalSince1970 - Double(issuedAt)
        if age > Double(settings.maxAge.components.seconds) {
            return .failure(HTTPProblem(status: 410, slug: "expired", title: "Link expired", detail: "this survey link is older than max_age"))
        }
        if !settings.surveys.isEmpty, !settings.surveys.contains(survey) {
            return .failure(.malformed("survey '\(survey)' is not one this channel accepts"))
        }
        return .success(NPSLinkClick(survey: survey, email: email, score: score, issuedAt: issuedAt))
    }

    /// The message: the score as feedback, the address as the author. One answer per
    /// recipient per sending: a second click on the same email is a duplicate, so NPS
    /// counts each customer once.
    func message(question: String, now: Date) -> InboundMessage {
        var message = InboundMessage(
            dedupKey: "nps:\(survey):\(email.lowercased()):\(issuedAt)",
            text: "",
            occurredAt: now,
            feedback: Feedback(score: score, survey: survey)
        )
        message.author.email = email
        message.metadata["nps"] = [
            "survey": .string(survey), "question": .string(question), "score": .number(Double(score)),
            "sentAt": .string(RFC3339.string(from: Date(timeIntervalSince1970: TimeInterval(issuedAt)))),
        ]
        return message
    }
}
