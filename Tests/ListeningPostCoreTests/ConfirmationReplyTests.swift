import Foundation
import ListeningPostCore
import ListeningPostLoop
import Testing

/// The golden table of answers in Fixtures/confirmation-replies.txt: each real-looking
/// reply to "Did you get what you needed?" with the yes, no or unclear it must give. A
/// yes closes a case and a no reopens it, so the table holds many near misses.
@Suite struct ConfirmationReplyTests {
    struct Row: CustomStringConvertible, Sendable {
        var expected: ConfirmationReply
        var reply: String
        var line: Int
        var description: String { "line \(line): \(reply.debugDescription)" }
    }

    static let rows: [Row] = {
        let url = Bundle.module.url(forResource: "Fixtures/confirmation-replies", withExtension: "txt")!
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line -> Row? in
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { return nil }
            var reply = String(line[line.index(after: bar)...])
            if reply.hasPrefix(" ") { reply.removeFirst() }
            let expected = ConfirmationReply(rawValue: line[..<bar].trimmingCharacters(in: .whitespaces))!
            return Row(expected: expected, reply: reply.replacingOccurrences(of: "\\n", with: "\n"), line: index + 1)
        }
    }()

    @Test(arguments: rows)
    func replyGivesWhatTheTableSays(_ row: Row) {
        #expect(ConfirmationReply.read(row.reply) == row.expected, "\(row)")
    }

    @Test func theTableCoversAllThreeAnswers() {
        for answer in [ConfirmationReply.yes, .no, .unclear] {
            #expect(Self.rows.filter { $0.expected == answer }.count >= 12, "\(answer)")
        }
    }
}
