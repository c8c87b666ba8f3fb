import ListeningPostKit

/// A post-call NPS survey on the keypad: what it asks, and how keys read as a score. Pure.
///
/// After the voicemail, `<Gather input="dtmf" numDigits="2" finishOnKey="#">` asks the NPS
/// question: one key and `#` (or a pause), or `1` `0`. A score is stored at once, as
/// `feedback` with source `ivr` (so a caller who hangs up during the next question still
/// counts); then the reason is gathered by speech, and stored as an answer that supersedes
/// the first (`feedback.supersedes`), with the words as its text and reason. Keys that are
/// not a score are asked again once; a second time, the call's survey is stored without
/// feedback and flagged `survey_unanswered`.
struct KeypadSurvey: Sendable, Hashable {
    /// The survey id the answers count under.
    var id: String
    var question: String
    var reasonPrompt: String
    var language: String
    var voice: String

    static let unanswered: MessageFlag = "survey_unanswered"

    static let spec = ConfigSpec([
        .init("id", .string, required: true, example: "hotline-nps", doc: "The survey the answers count under (`feedback.survey`)."),
        .init(
            "question",
            .string,
            default: "How likely are you to recommend us to a friend or colleague? Press a number from 0 to 10, then the hash key.",
            doc: "The NPS question, read after the voicemail."
        ),
        .init(
            "reason",
            .string,
            default: "Thank you. In a few words, what is the main reason for your score?",
            doc: "The second question, answered by speech (`<Gather input=\"speech\">`)."
        ),
    ])

    /// The score keys make: `0`…`9` or `10` exactly (the `#` that ends them is not in
    /// `Digits`); anything else, nothing pressed included, is `nil`.
    static func score(keys: String?) -> Int? {
        guard let keys, !keys.isEmpty, keys.count <= 2, keys.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard keys.count == 1 || keys == "10" else { return nil }
        return Int(keys)
    }
}
