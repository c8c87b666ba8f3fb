import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// NPS arithmetic: the score, the adjusted-Wald interval, what counts (one latest answer
/// per respondent and survey, corrections replacing), and the query parameters' refusals.
@Suite struct NPSTests {
    @Test func scoreIsPercentPromotersMinusPercentDetractors() {
        let cell = NPSCell(promoters: 50, passives: 30, detractors: 20)
        #expect(cell.responses == 100)
        #expect(cell.nps == 30)
        #expect(NPSCell().nps == nil)
        #expect(NPSCell(promoters: 1, passives: 1, detractors: 1).adding(NPSCell(promoters: 2)).nps == 40, "3 promoters, 1 passive, 1 detractor")
    }

    /// Values worked by hand from the formula in the docs (n' = n + 3, ¾ each added to
    /// promoters and detractors).
    @Test func intervalIsAdjustedWald() {
        // 50/30/20: p' = 50.75/103, d' = 20.75/103, NPS' = 30/103 = 0.291262,
        // var = (71.5/103 − 0.291262²)/103 = 0.0059160, margin = 1.96 × 0.076915 = 0.150751.
        let interval = NPSCell(promoters: 50, passives: 30, detractors: 20).interval
        #expect(abs(interval.lowerBound - 14.051) < 0.01, "\(interval)")
        #expect(abs(interval.upperBound - 44.201) < 0.01, "\(interval)")
        // All promoters, n = 10: p' = 10.75/13, d' = 0.75/13; the interval stays below 100.
        let all = NPSCell(promoters: 10).interval
        #expect(all.upperBound <= 100 && all.upperBound > 90 && all.lowerBound > 40, "\(all)")
        // No answers: the widest honest interval, centred on 0.
        let none = NPSCell().interval
        #expect(abs(none.lowerBound + none.upperBound) < 1e-9 && none.upperBound > 60, "\(none)")
    }

    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01

    static func answer(
        _ id: String,
        _ who: String,
        _ score: Int,
        day: Double,
        segment: String = "gold",
        channel: String = "sms",
        survey: String = "q4",
        supersedes: String? = nil
    ) -> NPSAnswer {
        NPSAnswer(
            eventId: id,
            respondent: who,
            survey: survey,
            segment: segment,
            channel: channel,
            answeredAt: start.addingTimeInterval(day * Self.day),
            score: score,
            supersedes: supersedes
        )
    }

    @Test func theLatestAnswerPerRespondentAndSurveyCounts() {
        var tally = NPSTally()
        tally.add(Self.answer("e1", "ann", 3, day: 1))
        tally.add(Self.answer("e2", "ann", 9, day: 2))  // Ann changed her mind: one promoter, no detractor
        tally.add(Self.answer("e3", "bo", 10, day: 1))
        tally.add(Self.answer("e4", "bo", 2, day: 1, survey: "onboarding"))  // another survey counts on its own
        tally.add(Self.answer("e5", "cy", 6, day: 3))
        tally.add(Self.answer("e6", "cy", 8, day: 0.5))  // late to arrive, but given earlier: e5 stays
        let rows = tally.rows(for: NPSQuery(groupBy: [], from: Self.start, to: Self.start.addingTimeInterval(30 * Self.day)))
        #expect(rows.map(\.cell) == [NPSCell(promoters: 2, passives: 0, detractors: 2)])
    }

    @Test func aSupersededAnswerNeverCounts() {
        var tally = NPSTally()
        tally.add(Self.answer("e1", "ann", 3, day: 1, survey: "delighted-1"))
        // Delighted's update arrives as another respondent key (say before the directory knew her).
        tally.add(Self.answer("e2", "prov_ann", 7, day: 1, survey: "delighted-1", supersedes: "e1"))
        let rows = tally.rows(for: NPSQuery(groupBy: [], from: Self.start, to: Self.start.addingTimeInterval(30 * Self.day)))
        #expect(rows.map(\.cell) == [NPSCell(passives: 1)])
    }

    /// Random answers over segments, channels, surveys, corrections and late arrivals,
    /// against a computation written independently here: the dumbest one that is right.
    @Test(arguments: 1...5)
    func groupedTrendMatchesAnIndependentCount(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var tally = NPSTally()
        var all: [NPSAnswer] = []
        for index in 0..<2_000 {
            let supersedes = index > 10 && random.next() % 10 == 0 ? all[Int(random.next() % UInt64(all.count))].eventId : nil
            let answer = Self.answer(
                "e\(index)",
                "c\(random.next() % 150)",
                Int(random.next() % 11),
                day: Double(random.next() % 9_000) / 100,
                segment: ["gold", "standard", "partners"][Int(random.next() % 3)],
                channel: ["sms", "mail", "web"][Int(random.next() % 3)],
                survey: ["q4", "onboarding"][Int(random.next() % 2)],
                supersedes: supersedes
            )
            tally.add(answer)
            all.append(answer)
        }
        let query = NPSQuery(
            groupBy: [.segment, .channel],
            from: Self.start.addingTimeInterval(7 * Self.day),
            to: Self.start.addingTimeInterval(70 * Self.day),
            step: 7 * Self.day
        )
        var expected: [String: NPSCell] = [:]
        let superseded = Set(all.compactMap(\.supersedes))
        for bucket in 0..<9 {
            let from = query.from.addingTimeInterval(Double(bucket) * 7 * Self.day)
            let to = from.addingTimeInterval(7 * Self.day)
            // Per respondent and survey, the latest answer in the bucket (on a tie the later
            // in the log), whichever channel or segment it came from; it counts unless a
            // correction superseded it.
            let inBucket = all.enumerated().filter { $0.1.answeredAt >= from && $0.1.answeredAt < to }
            for who in Set(inBucket.map { "\($0.1.respondent)/\($0.1.survey)" }) {
                let theirs = inBucket.filter { "\($0.1.respondent)/\($0.1.survey)" == who }
                let last = theirs.max { lhs, rhs in lhs.1.answeredAt != rhs.1.answeredAt ? lhs.1.answeredAt < rhs.1.answeredAt : lhs.0 < rhs.0 }!.1
                guard !superseded.contains(last.eventId) else { continue }
                expected["\(last.segment)|\(last.channel)|\(bucket)", default: NPSCell()].count(last.category)
            }
        }
        var actual: [String: NPSCell] = [:]
        for row in tally.rows(for: query) {
            let bucket = Int((row.from.timeIntervalSince(query.from) / (7 * Self.day)).rounded())
            actual["\(row.group[.segment]!)|\(row.group[.channel]!)|\(bucket)"] = row.cell
        }
        #expect(actual == expected)
        #expect(!expected.isEmpty)
    }

    /// The projection's fast reader gives what decoding the whole event gives.
    @Test func answerReadFromBytesMatchesTheDecodedEvent() throws {
        var message = InboundMessage(dedupKey: "r-1", text: "slow", occurredAt: Self.start)
        message.feedback = Feedback(score: 4, reason: "slow", survey: "q4", source: .reply, supersedes: "e0")
        var event = MessageEvent(
            id: "e1",
            channel: ChannelIdentity(id: "sms", kind: "sms"),
            message: message,
            receivedAt: Self.start.addingTimeInterval(60)
        )
        event.data.customer = CustomerReference(id: "cus_ann", provisional: false)
        event.data.segment = "gold"
        let bytes = event.jsonBytes()
        #expect(NPSAnswer(payload: bytes) == NPSAnswer(event: try MessageEvent.decode(bytes)))
        #expect(NPSAnswer(payload: bytes)?.answeredAt == Self.start)
        event.data.feedback = nil
        #expect(NPSAnswer(payload: event.jsonBytes()) == nil)
    }

    @Test func queryParametersAreParsedOrRefusedWithTheirReason() throws {
        let now = Self.start.addingTimeInterval(100 * Self.day)
        let query = try NPSQuery.parse(["group_by": "segment,channel", "window": "30d", "step": "1w"], now: now)
        #expect(query.groupBy == [.segment, .channel])
        #expect(query.to == now && query.from == now.addingTimeInterval(-30 * Self.day))
        #expect(query.step == 7 * Self.day)
        let refusals: [([String: String], String)] = [
            (["group_by": "segment,region"], "group_by: 'region' is not a dimension; use any of segment, channel, survey (comma-separated)"),
            (["group_by": "segment,segment"], "group_by: 'segment' is named twice"),
            (["window": "30 days"], "window: '30 days' is not a length; use a whole number and a unit, such as 30d, 1w, 12h, 90m or 45s"),
            (["window": "-3d"], "window: '-3d' is not a length; use a whole number and a unit, such as 30d, 1w, 12h, 90m or 45s"),
            (["window": "30d", "from": "2026-11-01T00:00:00Z"], "window: give either window or from/to, not both"),
            (["from": "yesterday"], "from: 'yesterday' is not an RFC 3339 time such as 2026-11-01T00:00:00Z"),
            (["from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"], "from: must be before to"),
            (["window": "3650d", "step": "1d"], "step: 1d makes more than 520 buckets over this range; use a longer step"),
        ]
        for (parameters, message) in refusals {
            #expect(throws: NPSQuery.Refusal.self) { try NPSQuery.parse(parameters, now: now) }
            do {
                _ = try NPSQuery.parse(parameters, now: now)
            } catch {
                #expect(error.description == message, "\(parameters)")
            }
        }
    }
}
