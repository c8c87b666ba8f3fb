import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// Key drivers and suggested themes over an ``NPSTally``: counts per theme, the impact in
/// points, and phrases from the reasons ranked by the log-odds ratio with a prior.
@Suite struct ThemeInsightsTests {
    static let start = NPSTests.start
    static let month = NPSQuery(groupBy: [], from: start, to: start.addingTimeInterval(30 * 86_400))

    static func answer(_ index: Int, _ score: Int, themes: [String] = [], reason: String? = nil, segment: String = "gold") -> NPSAnswer {
        NPSAnswer(
            eventId: "e\(index)",
            respondent: "r\(index)",
            survey: "q4",
            segment: segment,
            channel: "sms",
            answeredAt: start.addingTimeInterval(Double(index) * 60),
            score: score,
            themes: themes,
            reason: reason
        )
    }

    @Test func aDriverCountsWhoMentionsItAndWhatItCosts() throws {
        var tally = NPSTally()
        var index = 0
        func add(_ count: Int, _ score: Int, themes: [String] = [], segment: String = "gold") {
            for _ in 0..<count {
                tally.add(Self.answer(index, score, themes: themes, segment: segment))
                index += 1
            }
        }
        add(8, 2, themes: ["refund"])
        add(2, 7, themes: ["refund", "wait-time"])
        add(50, 10)
        add(30, 8)
        add(10, 0)
        add(4, 9, themes: ["wait-time"], segment: "standard")
        let rows = tally.driverRows(for: Self.month)
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row.all == NPSCell(promoters: 54, passives: 32, detractors: 18))
        #expect(row.mentioning == ["refund": NPSCell(passives: 2, detractors: 8), "wait-time": NPSCell(promoters: 4, passives: 2)])
        let drivers = ThemeDriver.ranked(all: row.all, mentioning: row.mentioning)
        #expect(drivers.map(\.theme) == ["refund", "wait-time"], "the costliest first")
        // Overall 36/104 = 34.62; without refund's 10 answers 54/94 − 10/94 = 46.81: −12.19 points.
        let refund = drivers[0]
        #expect(abs(refund.impact! - (3600.0 / 104 - 4400.0 / 94)) < 1e-9)
        #expect(refund.others == NPSCell(promoters: 54, passives: 30, detractors: 10))
        #expect(abs(refund.share - 10.0 / 104) < 1e-12)
        // Grouped, each segment has its own.
        var bySegment = Self.month
        bySegment.groupBy = [.segment]
        let grouped = tally.driverRows(for: bySegment)
        #expect(grouped.map { $0.group[.segment] } == ["gold", "standard"])
        #expect(grouped[1].mentioning == ["wait-time": NPSCell(promoters: 4)])
        #expect(ThemeDriver.ranked(all: grouped[1].all, mentioning: grouped[1].mentioning)[0].impact == nil, "nobody who does not")
        // A filter keeps one segment.
        var onlyStandard = Self.month
        onlyStandard.only = [.segment: "standard"]
        #expect(tally.driverRows(for: onlyStandard).map(\.all) == [NPSCell(promoters: 4)])
    }

    /// Detractors who write "the courier lost my parcel", promoters who write "quick
    /// friendly help", both sides "order number" alike, everything else drawn from one
    /// vocabulary for both: the planted phrases lead their sides, whole, and the shared one
    /// is on neither.
    @Test func plantedPhrasesLeadAndSharedOnesAreNotSuggested() throws {
        var tally = NPSTally(reasonLanguage: ThemeLanguage(code: "en"))
        var random = SeededRandom(seed: 5)
        let vocabulary = [
            "account", "app", "bill", "call", "card", "colour", "company", "contract", "date", "email", "fee", "form", "home", "invoice",
            "item", "letter", "login", "model", "month", "name", "office", "page", "password", "phone", "plan", "price", "product",
            "screen", "shop", "size", "store", "tariff", "text", "ticket", "town", "update", "website", "week", "window", "year",
        ]
        func filler() -> String { (0..<4).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: " ") }
        for index in 0..<150 {
            let score = index < 60 ? 3 : index < 120 ? 10 : 7
            var words = [filler()]
            if score == 3, index < 20 { words.append("the courier lost my parcel") }
            if score == 10, index < 75 { words.append("quick friendly help") }
            if index % 6 == 0, score != 7 { words.append("the order number") }
            words.append(filler())
            tally.add(Self.answer(index, score, reason: words.joined(separator: ", ")))
        }
        let suggestions = tally.suggestions(for: Self.month)
        #expect(suggestions.answers == NPSCell(promoters: 60, passives: 30, detractors: 60))
        let top = try #require(suggestions.detractorPhrases.first)
        #expect(top.phrase == "courier lost parcel")
        #expect(top.stems == ["courier", "lost", "parcel"])
        #expect(top.detractors == 20 && top.promoters == 0 && top.z > 1.96)
        #expect(top.examples == ["e19", "e18", "e17"], "the latest three")
        #expect(!suggestions.detractorPhrases.contains { $0.phrase == "courier" }, "only ever inside the longer phrase")
        #expect(suggestions.promoterPhrases.first?.phrase == "quick friendly help")
        #expect(suggestions.promoterPhrases.first.map { $0.z < -1.96 } == true)
        let all = suggestions.detractorPhrases + suggestions.promoterPhrases
        #expect(!all.contains { $0.stems.contains("number") }, "used alike by both sides")
        // Fewer answers than asked for: nothing.
        #expect(tally.suggestions(for: Self.month, minimumAnswers: 21).detractorPhrases.allSatisfy { $0.phrase != "courier lost parcel" })
    }

    /// Without a reason language nothing is kept to suggest from, and answers without a
    /// reason are not counted in the suggestions' base.
    @Test func suggestionsCountOnlyAnswersWithAReason() {
        var tally = NPSTally(reasonLanguage: ThemeLanguage(code: "en"))
        tally.add(Self.answer(0, 3, reason: "slow"))
        tally.add(Self.answer(1, 9))
        #expect(tally.suggestions(for: Self.month).answers == NPSCell(detractors: 1))
        var none = NPSTally()
        none.add(Self.answer(0, 3, reason: "slow"))
        #expect(none.suggestions(for: Self.month).answers == NPSCell())
    }
}
