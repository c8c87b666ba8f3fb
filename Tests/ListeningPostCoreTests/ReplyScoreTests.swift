import Foundation
import Testing

@testable import ListeningPostCore

/// The golden table of replies in Fixtures/reply-scores.txt: each real-looking reply with
/// the score, ambiguity or nothing it must give.
@Suite struct ReplyScoreTests {
    struct Row: CustomStringConvertible, Sendable {
        var expected: ReplyScore
        var reply: String
        var line: Int
        var description: String { "line \(line): \(reply.debugDescription)" }
    }

    static let rows: [Row] = {
        let url = Bundle.module.url(forResource: "Fixtures/reply-scores", withExtension: "txt")!
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line -> Row? in
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { return nil }
            let expected = line[..<bar].trimmingCharacters(in: .whitespaces)
            var reply = String(line[line.index(after: bar)...])
            if reply.hasPrefix(" ") { reply.removeFirst() }
            reply = reply.replacingOccurrences(of: "\\n", with: "\n")
            let outcome: ReplyScore
            switch expected {
            case "ambiguous": outcome = .ambiguous
            case "none": outcome = .none
            default:
                let score = Int(expected.prefix { $0.isNumber })!
                let quoted = expected.split(separator: "\"", omittingEmptySubsequences: false)
                outcome = .score(score, reason: quoted.count >= 3 ? String(quoted[1]) : nil)
            }
            return Row(expected: outcome, reply: reply, line: index + 1)
        }
    }()

    @Test(arguments: rows)
    func replyGivesWhatTheTableSays(_ row: Row) {
        #expect(ReplyScore.read(row.reply) == row.expected, "\(row)")
    }

    @Test func theTableCoversTheRules() {
        // Every rule that can decide a reply decides at least one row: a rule added to the
        // reader without a row in the table fails here.
        let decided = Set(Self.rows.map { ReplyScore.decide($0.reply).rule })
        for rule in ReplyScore.Rule.allCases {
            #expect(decided.contains(rule), "no row of Fixtures/reply-scores.txt is decided by \(rule)")
        }
        #expect(Self.rows.count >= 60)
        #expect(Self.rows.filter { if case .score = $0.expected { true } else { false } }.count >= 20)
        #expect(Self.rows.filter { $0.expected == .ambiguous }.count >= 20)
    }
}
