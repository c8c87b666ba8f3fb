import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// Comparing: the difference of two adjusted-Wald estimates, its interval, z and p, Holm's
/// adjustment, the answers needed, benchmarks' variances, and the report's cells. The
/// worked figures were computed by hand (and in docs/insights.md) from the formulas.
@Suite struct NPSComparisonTests {
    static let ours = NPSCell(promoters: 120, passives: 50, detractors: 30)
    static let earlier = NPSCell(promoters: 80, passives: 60, detractors: 60)

    @Test func theWorkedExampleGivesItsFigures() {
        // n' = 203, p' = 120.75/203, d' = 30.75/203: NPS' = 44.33, interval [34.14, 54.53].
        let estimate = NPSEstimate(Self.ours)
        #expect(abs(estimate.points - 44.335) < 0.01)
        #expect(abs(estimate.interval.lowerBound - 34.135) < 0.01 && abs(estimate.interval.upperBound - 54.535) < 0.01, "\(estimate.interval)")
        // Against 80/60/60 (NPS' = 9.85): 34.48 points, [19.18, 49.78], z = 4.417.
        let comparison = NPSComparison(ours: estimate, theirs: NPSEstimate(Self.earlier))
        #expect(abs(comparison.difference - 34.483) < 0.01)
        #expect(abs(comparison.interval.lowerBound - 19.182) < 0.01 && abs(comparison.interval.upperBound - 49.783) < 0.01)
        #expect(abs(comparison.z - 4.4172) < 0.001)
        #expect(abs(comparison.p - 9.997e-6) < 1e-7)
        #expect(comparison.verdict(p: comparison.p) == .ahead)
        // Against a published NPS of 40 with the interval [30, 50]: 4.33 points, z = 0.595, p = 0.552.
        let published = NPSBenchmark(name: "industry", source: "s", date: "2026", figure: .scoreWithInterval(nps: 40, low: 30, high: 50))
        let against = NPSComparison(ours: estimate, theirs: NPSEstimate(published))
        #expect(abs(against.z - 0.5948) < 0.001 && abs(against.p - 0.5520) < 0.001, "\(against)")
        #expect(against.verdict(p: against.p) == .noEvidence)
        #expect(NPSComparison.Verdict.noEvidence.rawValue == "no evidence of a difference")
    }

    /// The adjusted-Wald variance is the variance of the mean of the −1/0/+1 scores of the
    /// counts with ¾ of an answer added to promoters and detractors and 1½ to passives:
    /// checked against that mean and variance computed answer by answer, for random cells.
    @Test func theVarianceIsThatOfTheAdjustedAnswersForRandomCells() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<500 {
            let cell = NPSCell(
                promoters: Int(random.next() % 300),
                passives: Int(random.next() % 300),
                detractors: Int(random.next() % 300)
            )
            let weighted: [(score: Double, weight: Double)] = [
                (1, Double(cell.promoters) + 0.75), (0, Double(cell.passives) + 1.5), (-1, Double(cell.detractors) + 0.75),
            ]
            let n = weighted.reduce(0) { $0 + $1.weight }
            let mean = weighted.reduce(0) { $0 + $1.score * $1.weight } / n
            let spread = weighted.reduce(0) { $0 + pow($1.score - mean, 2) * $1.weight } / n
            let estimate = NPSEstimate(cell)
            #expect(abs(estimate.value - mean) < 1e-12)
            #expect(abs(estimate.variance - spread / n) < 1e-12)
        }
    }

    /// p < 0.05 exactly when the 95 % interval of the difference leaves out 0, and the
    /// verdict's sign is the difference's.
    @Test func pAndTheIntervalAgreeForRandomPairs() {
        var random = SeededRandom(seed: 11)
        var called = 0
        for _ in 0..<2_000 {
            let cells = (0..<2).map { _ in
                NPSCell(promoters: Int(random.next() % 200), passives: Int(random.next() % 100), detractors: Int(random.next() % 200))
            }
            let comparison = NPSComparison(ours: NPSEstimate(cells[0]), theirs: NPSEstimate(cells[1]))
            let excludesZero = comparison.interval.lowerBound > 0 || comparison.interval.upperBound < 0
            #expect((comparison.p < 0.05) == excludesZero, "\(cells) \(comparison)")
            switch comparison.verdict(p: comparison.p) {
            case .ahead: #expect(comparison.difference > 0)
            case .behind: #expect(comparison.difference < 0)
            case .noEvidence: #expect(comparison.p >= 0.05)
            }
            if comparison.p < 0.05 { called += 1 }
        }
        #expect(called > 100 && called < 1_900, "both outcomes drawn")
    }

    @Test func holmNeverLowersAPAndKeepsTheirOrder() {
        #expect(NPSComparison.holm([0.01, 0.04, 0.03, 0.005]) == [0.03, 0.06, 0.06, 0.02])
        #expect(NPSComparison.holm([0.5]) == [0.5])
        #expect(NPSComparison.holm([]) == [])
        var random = SeededRandom(seed: 3)
        for _ in 0..<300 {
            let raw = (0..<Int(random.next() % 12 + 1)).map { _ in Double(random.next() % 10_000) / 10_000 }
            let adjusted = NPSComparison.holm(raw)
            for index in raw.indices {
                #expect(adjusted[index] >= raw[index] && adjusted[index] <= 1)
                for other in raw.indices where raw[index] < raw[other] { #expect(adjusted[index] <= adjusted[other]) }
            }
        }
    }

    /// The answers needed are the n at which a true 5-point difference sits 2.80 standard
    /// errors away (1.96 for the test, 0.84 for 80 % power).
    @Test func answersNeededGiveEightyPercentPower() throws {
        let ours = NPSEstimate(Self.ours)
        let theirs = NPSEstimate(Self.earlier)
        let both = try #require(NPSComparison.answersNeeded(ours: ours, theirs: theirs, points: 5, theirsGrowsToo: true))
        #expect(both == 3_884)
        let atBoth = 0.05 / ((ours.answerVariance! + theirs.answerVariance!) / Double(both)).squareRoot()
        #expect(atBoth >= 2.8016 && atBoth < 2.802)
        let industry = NPSEstimate(
            NPSBenchmark(name: "i", source: "s", date: "d", figure: .counts(promoters: 4_000, passives: 3_000, detractors: 3_000))
        )
        let alone = try #require(NPSComparison.answersNeeded(ours: ours, theirs: industry, points: 5, theirsGrowsToo: false))
        let atAlone = 0.05 / (ours.answerVariance! / Double(alone) + industry.variance).squareRoot()
        #expect(atAlone >= 2.8016 && atAlone < 2.803, "\(alone)")
        // A benchmark of 1,000 answers is itself too uncertain to tell 5 points apart.
        let small = NPSEstimate(NPSBenchmark(name: "i", source: "s", date: "d", figure: .scoreWithResponses(nps: 40, responses: 1_000)))
        #expect(NPSComparison.answersNeeded(ours: ours, theirs: small, points: 5, theirsGrowsToo: false) == nil)
    }

    /// An NPS published with its n but not its passives gets the largest variance that NPS
    /// allows, so the comparison is never bolder than the counts would make it.
    @Test func aScoreWithItsNIsTakenAtItsLargestVariance() {
        let published = NPSEstimate(NPSBenchmark(name: "i", source: "s", date: "d", figure: .scoreWithResponses(nps: 20, responses: 500)))
        #expect(abs(published.variance - (1 - 0.04) / 500) < 1e-12)
        for passives in stride(from: 0, through: 400, by: 100) {
            let detractors = (400 - passives) / 2
            let cell = NPSCell(promoters: detractors + 100, passives: passives, detractors: detractors)
            #expect(cell.nps == 20 && cell.responses == 500)
            let counted = Double(cell.promoters + cell.detractors) / 500 - 0.04
            #expect(counted / 500 <= published.variance + 1e-12)
        }
    }

    @Test func aReportComparesEveryGroupAndAdjustsForTheirNumber() {
        let gold = [NPSQuery.Dimension.segment: "gold"]
        let standard = [NPSQuery.Dimension.segment: "standard"]
        let lapsed = [NPSQuery.Dimension.segment: "lapsed"]
        let now = Date()
        let ours = [
            NPSTally.Row(group: gold, from: now, to: now, cell: Self.ours),
            NPSTally.Row(group: standard, from: now, to: now, cell: NPSCell(promoters: 10, passives: 10, detractors: 10)),
        ]
        let previous = [
            NPSTally.Row(group: gold, from: now, to: now, cell: Self.earlier),
            NPSTally.Row(group: lapsed, from: now, to: now, cell: NPSCell(promoters: 3)),
        ]
        let cells = ComparisonReport.cells(against: .previous, ours: ours, previous: previous)
        #expect(cells.map(\.group) == [gold, lapsed, standard], "sorted, and a group that stopped answering is kept")
        #expect(cells[1].ours == NPSCell() && cells[2].theirCounts == NPSCell())
        #expect(abs(cells[0].comparison.difference - 34.483) < 0.01)
        #expect(cells.map(\.adjustedP) == NPSComparison.holm(cells.map(\.comparison.p)))
        #expect(cells[0].verdict == .ahead && cells[2].verdict == .noEvidence)
        let industry = NPSBenchmark(name: "industry", source: "s", date: "2026", figure: .scoreWithInterval(nps: 40, low: 30, high: 50))
        let against = ComparisonReport.cells(against: .benchmark(industry), ours: ours, previous: previous)
        #expect(against.map(\.group) == [gold, standard], "a benchmark compares our groups only")
        #expect(against.allSatisfy { $0.theirs == NPSEstimate(industry) && $0.theirCounts == nil && $0.answersToDetect == nil })
        let json = ComparisonReport.json(
            query: NPSQuery(groupBy: [.segment], from: now, to: now.addingTimeInterval(1)),
            against: .benchmark(industry),
            cells: against,
            minResponses: 30
        )
        #expect(json.objectValue?["adjustment"]?.stringValue == "holm")
        #expect(json.objectValue?["against"]?.objectValue?["benchmark"]?.stringValue == "industry")
    }
}
