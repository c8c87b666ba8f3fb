import Foundation
import ListeningPostCore
import ListeningPostKit

/// The body of `GET /v1/nps/compare`: ours against a benchmark or against the window
/// before, cell by cell, with the difference, its interval, z, p (Holm-adjusted when
/// several cells are compared at once), a verdict, and the answers that would detect a
/// 5-point difference. Pure, so the API, `listening-post nps --compare` and the tests agree.
public enum ComparisonReport {
    /// What ours is compared with.
    public enum Against: Sendable, Hashable {
        /// A published figure from `benchmarks:`, the same for every cell.
        case benchmark(NPSBenchmark)
        /// The same cell over the window of the same length just before.
        case previous
    }

    /// The difference a comparison is sized to detect, in NPS points.
    public static let detectablePoints = 5.0

    /// One compared cell.
    public struct Cell: Sendable, Hashable {
        /// Dimension → value, for the query's `groupBy`.
        public var group: [NPSQuery.Dimension: String]
        /// Our answers in the window.
        public var ours: NPSCell
        /// Theirs as counts, when known (`previous`, or a benchmark given as counts).
        public var theirCounts: NPSCell?
        /// Their estimate.
        public var theirs: NPSEstimate
        /// Ours − theirs.
        public var comparison: NPSComparison
        /// p after Holm's adjustment over every cell of the report (= p with one cell).
        public var adjustedP: Double
        /// Answers that would detect a 5-point difference with 80 % power; `nil` when the
        /// benchmark's own uncertainty is too wide for any number of ours.
        public var answersToDetect: Int?

        /// The verdict, at the adjusted p.
        public var verdict: NPSComparison.Verdict { comparison.verdict(p: adjustedP) }
    }

    /// The compared cells: every group with answers in our window (and, against
    /// `previous`, every group with answers in the window before, which then has none of
    /// ours: a segment that stopped answering is news too).
    public static func cells(against: Against, ours: [NPSTally.Row], previous: [NPSTally.Row]) -> [Cell] {
        var groups: [[NPSQuery.Dimension: String]] = ours.map(\.group)
        var previousByGroup: [[NPSQuery.Dimension: String]: NPSCell] = [:]
        if case .previous = against {
            for row in previous {
                previousByGroup[row.group] = row.cell
                if !groups.contains(row.group) { groups.append(row.group) }
            }
        }
        let oursByGroup = Dictionary(ours.map { ($0.group, $0.cell) }, uniquingKeysWith: { $0.adding($1) })
        groups.sort { key($0) < key($1) }
        var cells: [Cell] = groups.map { group in
            let mine = oursByGroup[group] ?? NPSCell()
            let theirCounts: NPSCell?
            let theirs: NPSEstimate
            switch against {
            case .benchmark(let benchmark):
                theirCounts = benchmark.cell
                theirs = NPSEstimate(benchmark)
            case .previous:
                let earlier = previousByGroup[group] ?? NPSCell()
                theirCounts = earlier
                theirs = NPSEstimate(earlier)
            }
            let ourEstimate = NPSEstimate(mine)
            let comparison = NPSComparison(ours: ourEstimate, theirs: theirs)
            // The window before grows with ours; a published figure stays as it is.
            let needed = NPSComparison.answersNeeded(
                ours: ourEstimate,
                theirs: theirs,
                points: detectablePoints,
                theirsGrowsToo: against == .previous
            )
            return Cell(
                group: group,
                ours: mine,
                theirCounts: theirCounts,
                theirs: theirs,
                comparison: comparison,
                adjustedP: comparison.p,
                answersToDetect: needed
            )
        }
        let adjusted = NPSComparison.holm(cells.map(\.comparison.p))
        for index in cells.indices { cells[index].adjustedP = adjusted[index] }
        return cells
    }

    /// The report as JSON.
    public static func json(query: NPSQuery, against: Against, cells: [Cell], minResponses: Int) -> JSONValue {
        var body = NPSReport.header(query: query, minResponses: minResponses)
        body["test"] = .string("two-sided z on the difference of adjusted-Wald estimates, variances added")
        body["adjustment"] = .string(cells.count > 1 ? "holm" : "none")
        body["detectablePoints"] = .number(detectablePoints)
        switch against {
        case .benchmark(let benchmark):
            body["against"] = [
                "benchmark": .string(benchmark.name), "source": .string(benchmark.source), "date": .string(benchmark.date),
            ]
        case .previous:
            let earlier = query.previous
            body["against"] = [
                "previous": [
                    "from": .string(RFC3339.string(from: earlier.from)), "to": .string(RFC3339.string(from: earlier.to)),
                ]
            ]
        }
        body["cells"] = .array(cells.map { cell($0, minResponses: minResponses) })
        return .object(body)
    }

    static func cell(_ cell: Cell, minResponses: Int) -> JSONValue {
        let comparison = cell.comparison
        var object: [String: JSONValue] = [
            "ours": side(counts: cell.ours, estimate: NPSEstimate(cell.ours)),
            "theirs": side(counts: cell.theirCounts, estimate: cell.theirs),
            "difference": .number(NPSReport.rounded(comparison.difference)),
            "differenceInterval": NPSReport.interval(comparison.interval),
            "z": .number(NPSReport.rounded(comparison.z, places: 3)),
            "p": .number(NPSReport.rounded(comparison.p, places: 4)),
            "pAdjusted": .number(NPSReport.rounded(cell.adjustedP, places: 4)),
            "verdict": .string(cell.verdict.rawValue),
            "answersToDetect5Points": cell.answersToDetect.map { .number(Double($0)) } ?? .null,
            "insufficient": .bool(cell.ours.responses < minResponses || (cell.theirCounts.map { $0.responses < minResponses } ?? false)),
        ]
        for (dimension, value) in cell.group { object[dimension.rawValue] = .string(value) }
        return .object(object)
    }

    /// One side: its counts when known, the NPS as published (or counted), the adjusted
    /// estimate the test uses, and its interval.
    static func side(counts: NPSCell?, estimate: NPSEstimate) -> JSONValue {
        var object: [String: JSONValue] = [
            "npsAdjusted": .number(NPSReport.rounded(estimate.points)),
            "npsInterval": NPSReport.interval(estimate.interval),
        ]
        if let counts {
            object["responses"] = .number(Double(counts.responses))
            object["promoters"] = .number(Double(counts.promoters))
            object["passives"] = .number(Double(counts.passives))
            object["detractors"] = .number(Double(counts.detractors))
            object["nps"] = NPSReport.score(counts)
        } else {
            object["nps"] = .number(NPSReport.rounded(estimate.points))
            if let responses = estimate.responses { object["responses"] = .number(Double(responses)) }
        }
        return .object(object)
    }

    private static func key(_ group: [NPSQuery.Dimension: String]) -> String {
        NPSQuery.Dimension.allCases.compactMap { group[$0] }.joined(separator: "\u{1}")
    }
}
