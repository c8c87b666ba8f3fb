import Foundation
import ListeningPostCore

/// The customer's answer to "Did you get what you needed?", read from the words of their
/// reply. Pure, like ``ReplyScore``: whether a question is open is the caller's concern.
///
/// Only a clear answer counts, because a yes closes the case and a no reopens it: the
/// reply's opening words must say yes (`yes`, `yep`, `all sorted`, `it works now`, `sì`,
/// `oui`, …) or no (`no`, `nope`, `not really`, `still waiting`, …), and nothing after them
/// may say the other (`yes but it still doesn't work` is unclear). "No problem" and "no
/// worries" are a yes. Anything else (a question, thanks alone, a new complaint) is
/// `unclear` and joins the case as a message. Quoted email text and signatures are
/// stripped first.
public enum ConfirmationReply: String, Sendable, Equatable {
    case yes
    case no
    case unclear

    /// Reads a reply.
    public static func read(_ text: String) -> ConfirmationReply {
        let body = ReplyScore.strippingQuotesAndSignature(text).lowercased()
        let words = body.split { !$0.isLetter && $0 != "'" && $0 != "’" }.map { $0.replacingOccurrences(of: "’", with: "'") }
        guard !words.isEmpty else { return .unclear }
        let phrase = " " + words.joined(separator: " ") + " "
        let opensYes = yesOpenings.contains { phrase.hasPrefix(" \($0) ") } || reassurances.contains { phrase.hasPrefix(" \($0) ") }
        let opensNo = !opensYes && noOpenings.contains { phrase.hasPrefix(" \($0) ") }
        let saysNo = negativePhrases.contains { phrase.contains(" \($0) ") }
        // "not fixed" must not count as "fixed".
        let unnegated = negativePhrases.reduce(phrase) { $0.replacingOccurrences(of: " \($1) ", with: " ") }
        let saysYes = positivePhrases.contains { unnegated.contains(" \($0) ") }
        if opensYes { return saysNo ? .unclear : .yes }
        if opensNo { return saysYes && !saysNo ? .unclear : .no }
        // No answer word first: a short reply that only says one thing ("it works now",
        // "still broken") is that answer.
        guard words.count <= 8 else { return .unclear }
        if saysNo && !saysYes { return .no }
        if saysYes && !saysNo { return .yes }
        return .unclear
    }

    /// Opening words that say yes.
    static let yesOpenings = [
        "yes", "yeah", "yep", "yup", "yea", "ya", "y", "sure", "absolutely", "definitely", "indeed", "correct", "i did", "i have", "we did",
        "got it", "all good", "all sorted", "sorted", "resolved", "fixed", "perfect", "it did", "it has", "that did it", "that worked",
        "it works", "it's working", "works now", "si", "sì", "oui", "ja", "sim", "da",
    ]
    /// "No" followed by these means all is well.
    static let reassurances = ["no problem", "no problems", "no worries", "no issues", "no complaints"]
    /// Opening words that say no.
    static let noOpenings = [
        "no", "nope", "nah", "n", "not really", "not yet", "not quite", "not at all", "i didn't", "i did not", "i haven't", "i have not",
        "it didn't", "it did not", "it doesn't", "still", "nothing", "non", "nein", "não", "nao",
    ]
    /// Words anywhere that say the need is not met.
    static let negativePhrases = [
        "still not", "still waiting", "still broken", "still doesn't", "still don't", "still can't", "still no", "not working", "doesn't work",
        "didn't work", "does not work", "did not work", "not fixed", "not resolved", "not sorted", "never got", "haven't received",
        "have not received", "didn't get", "did not get", "broken",
    ]
    /// Words anywhere that say it is.
    static let positivePhrases = [
        "works now", "working now", "it works", "all good", "all sorted", "sorted it", "resolved", "fixed", "got what i needed", "that helped",
        "problem solved", "thank you so much", "thanks so much",
    ]
}
