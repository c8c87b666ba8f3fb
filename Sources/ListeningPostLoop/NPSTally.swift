import Foundation
import ListeningPostKit

/// Every NPS answer in the log, and the figures `GET /v1/nps` and the gauges give. The
/// state of the NPS projection: fed in log order, so it is rebuilt by replaying the log.
///
/// What counts: in each time bucket, one answer per (respondent, survey), the latest (by
/// when it was given; the later in the log on a tie), and never one that a later answer
/// names in `supersedes`. A correction therefore replaces rather than adds.
///
/// Answers are kept in columns so a query is one tight pass over the answers in its range,
/// with no hashing: each answer knows when the same respondent next answered the same
/// survey (`nextAt`), and an answer counts in the bucket `[a, b)` it falls in exactly when
/// that next answer is not before `b`. Group values are interned to small integers.
public struct NPSTally: Sendable {
    /// When each answer was given, seconds since 1970, in log order.
    private var answeredAt: [Double] = []
    /// When the same respondent next answered the same survey (`.infinity`: never).
    private var nextAt: [Double] = []
    private var categories: [NPSCategory] = []
    /// Index into `combinations` (segment, channel, survey) per answer.
    private var combination: [Int32] = []
    private var excluded: [Bool] = []
    private var eventIds: [String] = []

    private var combinations: [[String]] = []
    private var combinationIndex: [[String]: Int32] = [:]
    /// (respondent, survey) → its answers, ordered by (time, log position).
    private var byRespondent: [String: [Int]] = [:]
    private var positionOfEvent: [String: Int] = [:]
    /// Superseded ids not (yet) seen, for a correction that arrives before what it corrects.
    private var pendingSupersede: Set<String> = []

    /// An empty tally.
    public init() {}

    /// Answers added.
    public var count: Int { answeredAt.count }

    /// Adds an answer (in log order).
    public mutating func add(_ answer: NPSAnswer) {
        let index = answeredAt.count
        let time = answer.answeredAt.timeIntervalSince1970
        answeredAt.append(time)
        categories.append(answer.category)
        eventIds.append(answer.eventId)
        let values = [answer.segment, answer.channel, answer.survey]
        if let known = combinationIndex[values] {
            combination.append(known)
        } else {
            let new = Int32(combinations.count)
            combinations.append(values)
            combinationIndex[values] = new
            combination.append(new)
        }
        excluded.append(pendingSupersede.remove(answer.eventId) != nil)
        positionOfEvent[answer.eventId] = index
        if let replaced = answer.supersedes {
            if let position = positionOfEvent[replaced] { excluded[position] = true } else { pendingSupersede.insert(replaced) }
        }
        // Place it among the same respondent's answers to the survey; fix the neighbours' nextAt.
        let key = answer.respondent + "\u{0}" + answer.survey
        var list = byRespondent[key] ?? []
        var slot = list.count
        while slot > 0, answeredAt[list[slot - 1]] > time { slot -= 1 }
        list.insert(index, at: slot)
        nextAt.append(slot + 1 < list.count ? answeredAt[list[slot + 1]] : .infinity)
        if slot > 0 { nextAt[list[slot - 1]] = time }
        byRespondent[key] = list
    }

    /// One row of a result: the dimension values, the bucket, and its cell.
    public struct Row: Sendable, Hashable {
        /// Dimension → value, for the query's `groupBy`.
        public var group: [NPSQuery.Dimension: String]
        /// The bucket's start (inclusive).
        public var from: Date
        /// The bucket's end (exclusive).
        public var to: Date
        /// The counts.
        public var cell: NPSCell
    }

    /// The rows of a query: one per group and bucket that has answers, groups sorted by
    /// their values, buckets oldest first.
    public func rows(for query: NPSQuery) -> [Row] {
        let start = query.from.timeIntervalSince1970
        let end = query.to.timeIntervalSince1970
        let width = query.step ?? (end - start)
        let buckets = max(1, Int((end - start) / width) + ((end - start).truncatingRemainder(dividingBy: width) > 0 ? 1 : 0))
        // Each combination's group, as an index into `groups`.
        let dimensionColumns = query.groupBy.map { dimension -> Int in
            switch dimension {
            case .segment: 0
            case .channel: 1
            case .survey: 2
            }
        }
        var groups: [[String]] = []
        var groupOf: [[String]: Int] = [:]
        let groupOfCombination = combinations.map { values -> Int in
            let group = dimensionColumns.map { values[$0] }
            if let known = groupOf[group] { return known }
            groupOf[group] = groups.count
            groups.append(group)
            return groups.count - 1
        }
        // counts[(group × buckets + bucket) × 3 + category]
        var counts = [Int](repeating: 0, count: max(1, groups.count) * buckets * 3)
        answeredAt.withUnsafeBufferPointer { times in
            for index in times.indices {
                let time = times[index]
                guard time >= start, time < end, !excluded[index] else { continue }
                let bucket = Int((time - start) / width)
                let bucketEnd = min(end, start + Double(bucket + 1) * width)
                guard nextAt[index] >= bucketEnd else { continue }
                let group = groupOfCombination[Int(combination[index])]
                let category =
                    switch categories[index] {
                    case .detractor: 0
                    case .passive: 1
                    case .promoter: 2
                    }
                counts[(group * buckets + bucket) * 3 + category] += 1
            }
        }
        var rows: [Row] = []
        for group in groups.indices.sorted(by: { groups[$0].lexicographicallyPrecedes(groups[$1]) }) {
            for bucket in 0..<buckets {
                let base = (group * buckets + bucket) * 3
                let cell = NPSCell(promoters: counts[base + 2], passives: counts[base + 1], detractors: counts[base])
                guard cell.responses > 0 else { continue }
                let from = start + Double(bucket) * width
                rows.append(
                    Row(
                        group: Dictionary(uniqueKeysWithValues: zip(query.groupBy, groups[group])),
                        from: Date(timeIntervalSince1970: from),
                        to: Date(timeIntervalSince1970: min(end, from + width)),
                        cell: cell
                    )
                )
            }
        }
        return rows
    }
}
