import Foundation
import ListeningPostKit

/// A score read from the words of a reply to a survey prompt ("9 - great support",
/// "10!", "I'd say 8/10"). Pure: it looks only at the text; whether there is an open
/// prompt to answer is the caller's question.
///
/// Accepted: a reply that is only a whole number 0–10, or starts with one followed by
/// `/10`, "out of 10", punctuation or a comment (the comment becomes the reason); and
/// `N/10` or "N out of 10" after a lead-in of at most four words ("I'd say 8/10"); and a
/// bare 0–10 after a lead-in that names it a score ("my score is 8", "I'd give you a 9",
/// "Rating: 7": ``scoreLeadIns``), since a number after other words may be a count.
///
/// Ambiguous (no score; the event gets the flag `score_ambiguous`): two numbers; another
/// scale (`4/5`, "4 out of 5", `100%`, "4 stars"); decimals and ranges (`9.5`, `8-9`);
/// dates and times (`3/10/2026`, `9:30`, `9am`, `3rd`); phone, order and money numbers
/// (`#12345`, `+44…`, `£10`, three or more digits); "1 of 2" and "(1/2)" split-message
/// prefixes; a 0–10 number anywhere else ("I waited 3 days"); in short, any reply with
/// digits that is not clearly a score, so an operator can look. Quoted email text and
/// signatures are stripped first. Carrier keywords (STOP, HELP, …) and replies without
/// digits are ordinary messages.
public enum ReplyScore: Sendable, Equatable {
    /// A score, and the comment after it, if any.
    case score(Int, reason: String?)
    /// Something like a score that is not clearly one.
    case ambiguous
    /// No score in it.
    case none

    /// The flag an ambiguous reply carries.
    public static let ambiguousFlag: MessageFlag = "score_ambiguous"

    /// SMS keywords carriers and gateways act on; a reply that is one is never a score.
    public static let carrierKeywords: Set<String> = [
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "start", "unstop", "yes", "help", "info", "revoke", "optout",
    ]

    /// The rule that decides a reply, one per sentence of the description above; the golden
    /// table has a row for each, and its test fails for a rule without one.
    package enum Rule: String, CaseIterable, Sendable {
        case carrierKeyword, noDigits, severalNumbers
        case otherScale, date, decimalTimeOrRange, gluedToWord, gluedToSymbol, notZeroToTen, stars
        case scoreElsewhere, leadingScore, outOfTenAfterLeadIn, scoreAfterLeadIn
    }

    /// Words before a bare number that make it a score, lowercased, `'` for apostrophes.
    /// Fixed and short on purpose: "I waited 3 days" and "my order is 8 days late" stay
    /// ambiguous, and a hedge ("probably 8") is left for an operator to read.
    public static let scoreLeadIns: Set<String> = [
        "score", "rating", "my score", "my score is", "my rating", "my rating is", "our score is", "i'd say", "i would say",
        "i give you", "i give you a", "i'd give you", "i'd give you a", "i would give you", "i would give you a", "i'll give you",
        "i'll give you a", "i give it", "i give it a", "i'd give it", "i'd give it a", "i would give it a", "i'd rate you",
        "i'd rate you a", "i rate you", "i rate you a", "i'd rate it", "i'd rate it a", "i would rate you", "i would rate you a",
    ]

    /// Reads a reply.
    public static func read(_ text: String) -> ReplyScore { decide(text).score }

    /// Reads a reply, and says which rule decided.
    package static func decide(_ text: String) -> (score: ReplyScore, rule: Rule) {
        let body = Array(strippingQuotesAndSignature(text).trimmingASCIIWhitespace())
        let lowered = body.map { Character($0.lowercased()) }
        let words = String(lowered).split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" })
        if words.count == 1, carrierKeywords.contains(String(words[0])) { return (.none, .carrierKeyword) }
        let numbers = NumberToken.scan(lowered)
        guard let number = numbers.first else { return (.none, .noDigits) }
        guard numbers.count == 1 else { return (.ambiguous, .severalNumbers) }
        guard case .score(let score) = number.kind else { return (.ambiguous, number.rule) }
        // Position: first in the reply, or `N/10` / "N out of 10" after a short lead-in.
        let before = String(lowered[..<number.start])
        let leadIn = before.split(whereSeparator: { !$0.isLetter && $0 != "'" && $0 != "’" })
        let onlyPunctuation = before.allSatisfy { $0.isWhitespace || $0.isPunctuation }
        let namedScore = scoreLeadIns.contains(leadIn.joined(separator: " ").replacingOccurrences(of: "’", with: "'"))
        let rule: Rule
        if onlyPunctuation {
            rule = .leadingScore
        } else if number.outOfTen, leadIn.count <= 4, before.allSatisfy({ !$0.isNumber }) {
            rule = .outOfTenAfterLeadIn
        } else if namedScore, before.allSatisfy({ !$0.isNumber }) {
            rule = .scoreAfterLeadIn
        } else {
            return (.ambiguous, .scoreElsewhere)
        }
        // The comment: what follows, without the separators and closing marks before it.
        let rest = String(body[number.end...].drop { " \t\r\n-–—:,;.!?)(/|~*\"'“”’".contains($0) }).trimmingASCIIWhitespace()
        return (.score(score, reason: rest.isEmpty ? nil : rest), rule)
    }

    /// The reply without quoted text (`>` lines; everything from an "On … wrote:" line or an
    /// "-----Original Message-----" line) and without a signature (everything from a `--`
    /// line or a "Sent from my …" line).
    package static func strippingQuotesAndSignature(_ text: String) -> String {
        var kept: [Substring] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingASCIIWhitespace()
            let lowered = trimmed.lowercased()
            if trimmed == "--" || line.hasPrefix("-- ") || lowered.hasPrefix("sent from my") { break }
            if lowered.hasPrefix("on "), lowered.hasSuffix("wrote:") { break }
            if lowered.hasPrefix("-----original message-----") { break }
            if trimmed.hasPrefix(">") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }
}

/// A number in a reply, with what the characters around it make of it.
struct NumberToken: Equatable {
    enum Kind: Equatable {
        /// A whole number 0–10 standing as a score (alone, `N/10`, "N out of 10").
        case score(Int)
        /// Anything else: another scale, a date, a time, a decimal, a range, an id…
        case other
    }

    var kind: Kind
    /// Where it starts and where what belongs to it ends (`/10`, "out of 10" included).
    var start: Int
    var end: Int
    /// Written as `N/10` or "N out of 10".
    var outOfTen: Bool
    /// Why it is not a score, for ``Kind/other``.
    var rule: ReplyScore.Rule = .leadingScore

    /// Every number in `text` (lowercased characters), left to right.
    static func scan(_ text: [Character]) -> [NumberToken] {
        var tokens: [NumberToken] = []
        var index = 0
        while index < text.count {
            guard text[index].isASCII, text[index].isNumber else {
                index += 1
                continue
            }
            let start = index
            var end = index
            while end < text.count, text[end].isASCII, text[end].isNumber { end += 1 }
            let digits = String(text[start..<end])
            var kind = Kind.other
            var rule = ReplyScore.Rule.notZeroToTen
            var outOfTen = false
            let previous = start > 0 ? text[start - 1] : " "
            let next = end < text.count ? text[end] : " "
            let afterNext = end + 1 < text.count ? text[end + 1] : " "
            // Glued to something that makes it an id, money, a phone number or a time.
            let gluedBefore = "#+$€£¥-.,:/".contains(previous) || previous.isLetter
            if gluedBefore { rule = .gluedToSymbol }
            if digits.count <= 2, let value = Int(digits), !gluedBefore {
                if next == "/" || next == "\\" {
                    // N/M: a score only as N/10, and only when no third part makes it a date.
                    var cursor = end + 1
                    while cursor < text.count, text[cursor].isNumber { cursor += 1 }
                    let denominator = String(text[(end + 1)..<cursor])
                    let third = cursor < text.count && "/-.".contains(text[cursor]) && cursor + 1 < text.count && text[cursor + 1].isNumber
                    if denominator == "10", !third, value <= 10 {
                        kind = .score(value)
                        outOfTen = true
                    } else {
                        rule = third ? .date : denominator == "10" ? .notZeroToTen : .otherScale
                    }
                    end = max(cursor, end + 1)
                    while end < text.count, text[end].isNumber || "/-.".contains(text[end]) && end + 1 < text.count && text[end + 1].isNumber {
                        end += 1
                    }
                } else if "%:.,-–".contains(next), afterNext.isNumber || next == "%" {
                    // 9.5, 9:30, 8-9, 100%: not a whole score.
                    rule = .decimalTimeOrRange
                    end += 1
                    while end < text.count, text[end].isNumber || text[end] == "%" { end += 1 }
                } else if next.isLetter {
                    // 9am, 3rd, 2x: glued to a word.
                    rule = .gluedToWord
                    while end < text.count, text[end].isLetter { end += 1 }
                } else if value <= 10 {
                    kind = .score(value)
                    if let phrase = Self.outOf(text, after: end) {
                        if phrase.denominator == 10 {
                            outOfTen = true
                            end = phrase.end
                        } else {
                            kind = .other  // "4 out of 5", "1 of 2"
                            rule = .otherScale
                            end = phrase.end
                        }
                    } else if Self.followedByWord(text, after: end, in: ["stars", "star"]) {
                        kind = .other
                        rule = .stars
                    }
                }
            } else {
                while end < text.count, text[end].isNumber || "/-.,:".contains(text[end]) && end + 1 < text.count && text[end + 1].isNumber {
                    end += 1
                }
            }
            tokens.append(NumberToken(kind: kind, start: start, end: end, outOfTen: outOfTen, rule: rule))
            index = end
        }
        return tokens
    }

    /// " out of N" or " of N" right after a number.
    static func outOf(_ text: [Character], after end: Int) -> (denominator: Int, end: Int)? {
        let rest = String(text[end...])
        for lead in [" out of ", " of ", "/"] where rest.hasPrefix(lead) {
            let digits = rest.dropFirst(lead.count).prefix { $0.isNumber }
            if let value = Int(digits) { return (value, end + lead.count + digits.count) }
        }
        return nil
    }

    static func followedByWord(_ text: [Character], after end: Int, in words: Set<String>) -> Bool {
        let rest = String(text[end...]).drop { $0 == " " }
        return words.contains(String(rest.prefix { $0.isLetter }))
    }
}
