import Foundation
import ListeningPostCore
import ListeningPostKit

/// How well the loop closes, per group of cases opened in a window: the figures of
/// `GET /v1/loop` and the `listening_post_loop_*` gauges. Detractor counts come from the
/// NPS tally over the same window and grouping, so "share of detractors with a case" is
/// the two projections side by side.
public struct LoopReport: Sendable, Equatable {
    /// One group's figures.
    public struct Row: Sendable, Equatable {
        public var segment: String?
        public var channel: String?
        /// Cases opened in the window.
        public var cases = 0
        /// Detractor answers in the window (NPS projection).
        public var detractors = 0
        /// Cases opened in the window by a detractor answer.
        public var detractorCases = 0
        /// Seconds from opening to first response, of the cases that have one.
        public var firstResponseSeconds: [Double] = []
        /// Cases whose first response is decided: within its target, or not (late or breached).
        public var withinTarget = 0
        public var decidedTarget = 0
        public var closedConfirmed = 0
        public var closedUnconfirmed = 0
        /// Next score minus opening score, for cases with both.
        public var recoveries: [Int] = []

        /// An empty row for a group.
        public init(segment: String? = nil, channel: String? = nil) {
            self.segment = segment
            self.channel = channel
        }

        /// Share of detractors with a case, `nil` without detractors.
        public var detractorCoverage: Double? { detractors > 0 ? min(1, Double(detractorCases) / Double(detractors)) : nil }
        public var withinTargetShare: Double? { decidedTarget > 0 ? Double(withinTarget) / Double(decidedTarget) : nil }
        public var confirmedShare: Double? {
            let closed = closedConfirmed + closedUnconfirmed
            return closed > 0 ? Double(closedConfirmed) / Double(closed) : nil
        }
        public var meanRecovery: Double? { recoveries.isEmpty ? nil : Double(recoveries.reduce(0, +)) / Double(recoveries.count) }

        /// A percentile (nearest rank) of the first-response times.
        public func firstResponsePercentile(_ p: Double) -> Double? {
            guard !firstResponseSeconds.isEmpty else { return nil }
            let sorted = firstResponseSeconds.sorted()
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
    }

    /// Which dimensions group the rows.
    public var groupBy: [NPSQuery.Dimension]
    public var from: Date
    public var to: Date
    /// Rows sorted by group.
    public var rows: [Row]

    /// Computes the report from the case book and the NPS tally rows of the same window
    /// (grouped the same; the survey dimension is ignored).
    public static func compute(book: borrowing CaseBook, npsRows: [NPSTally.Row], groupBy: [NPSQuery.Dimension], from: Date, to: Date) -> LoopReport {
        let bySegment = groupBy.contains(.segment)
        let byChannel = groupBy.contains(.channel)
        func key(_ segment: String, _ channel: String) -> [String?] { [bySegment ? segment : nil, byChannel ? channel : nil] }
        var rows: [[String?]: Row] = [:]
        func row(_ key: [String?]) -> Row { rows[key] ?? Row(segment: key[0], channel: key[1]) }
        for record in book.cases.values where record.openedAt >= from && record.openedAt < to {
            let k = key(record.subject.segment, record.subject.channel)
            var r = row(k)
            r.cases += 1
            if let score = record.openingScore, NPSCategory(score: score) == .detractor { r.detractorCases += 1 }
            if let first = record.firstResponseAt { r.firstResponseSeconds.append(max(0, first.timeIntervalSince(record.openedAt))) }
            if let within = record.firstResponseWithinTarget {
                r.decidedTarget += 1
                if within { r.withinTarget += 1 }
            } else if record.alerts.contains("breach:first_response:1") {
                r.decidedTarget += 1
            }
            if record.state == .closed { if record.outcome == "confirmed" { r.closedConfirmed += 1 } else { r.closedUnconfirmed += 1 } }
            if let next = record.recoveryScore, let opening = record.openingScore { r.recoveries.append(next - opening) }
            rows[k] = r
        }
        for npsRow in npsRows {
            let k = key(npsRow.group[.segment] ?? "", npsRow.group[.channel] ?? "")
            var r = row(k)
            r.detractors += npsRow.cell.detractors
            rows[k] = r
        }
        let sorted = rows.values.sorted { ($0.segment ?? "", $0.channel ?? "") < ($1.segment ?? "", $1.channel ?? "") }
        return LoopReport(groupBy: groupBy, from: from, to: to, rows: sorted)
    }

    /// The JSON `GET /v1/loop` answers.
    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null }
        return [
            "from": .time(from), "to": .time(to), "groupBy": .array(groupBy.map { .string($0.rawValue) }),
            "rows": .array(
                rows.map { row in
                    var group: [String: JSONValue] = [:]
                    if let segment = row.segment { group["segment"] = .string(segment) }
                    if let channel = row.channel { group["channel"] = .string(channel) }
                    return [
                        "group": .object(group), "cases": .number(Double(row.cases)), "detractors": .number(Double(row.detractors)),
                        "detractorCases": .number(Double(row.detractorCases)), "detractorCoverage": number(row.detractorCoverage),
                        "firstResponse": [
                            "count": .number(Double(row.firstResponseSeconds.count)), "p50Seconds": number(row.firstResponsePercentile(0.5)),
                            "p90Seconds": number(row.firstResponsePercentile(0.9)),
                        ],
                        "withinTarget": [
                            "decided": .number(Double(row.decidedTarget)), "within": .number(Double(row.withinTarget)),
                            "share": number(row.withinTargetShare),
                        ],
                        "closed": [
                            "confirmed": .number(Double(row.closedConfirmed)), "unconfirmed": .number(Double(row.closedUnconfirmed)),
                            "confirmedShare": number(row.confirmedShare),
                        ],
                        "recovery": ["count": .number(Double(row.recoveries.count)), "mean": number(row.meanRecovery)],
                    ]
                }
            ),
        ]
    }
}
