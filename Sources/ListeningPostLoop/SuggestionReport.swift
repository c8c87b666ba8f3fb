import Foundation
import ListeningPostKit

/// The body of `GET /v1/themes/suggestions`: candidate themes from the reasons. Pure, so
/// the API, `listening-post themes --suggest` and the tests render the same thing.
public enum SuggestionReport {
    /// Written into every answer, so a reader knows what `z` is.
    public static let method = "log-odds-informative-dirichlet"

    /// The report as JSON.
    public static func json(query: NPSQuery, suggestions: NPSTally.Suggestions, language: String, minAnswers: Int) -> JSONValue {
        var body = NPSReport.range(query)
        body["minAnswers"] = .number(Double(minAnswers))
        body["method"] = .string(method)
        body["language"] = .string(language)
        body["answers"] = [
            "responses": .number(Double(suggestions.answers.responses)),
            "detractors": .number(Double(suggestions.answers.detractors)),
            "passives": .number(Double(suggestions.answers.passives)),
            "promoters": .number(Double(suggestions.answers.promoters)),
        ]
        body["detractorPhrases"] = .array(suggestions.detractorPhrases.map(phrase))
        body["promoterPhrases"] = .array(suggestions.promoterPhrases.map(phrase))
        return .object(body)
    }

    static func phrase(_ suggestion: PhraseSuggestion) -> JSONValue {
        [
            "phrase": .string(suggestion.phrase),
            "stems": .array(suggestion.stems.map { .string($0) }),
            "detractors": .number(Double(suggestion.detractors)),
            "passives": .number(Double(suggestion.passives)),
            "promoters": .number(Double(suggestion.promoters)),
            "logOdds": .number(NPSReport.rounded(suggestion.logOdds, places: 3)),
            "z": .number(NPSReport.rounded(suggestion.z, places: 2)),
            "examples": .array(suggestion.examples.map { .string($0) }),
        ]
    }
}
