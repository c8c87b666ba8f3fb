import Foundation
import ListeningPostKit

/// Every NPS answer in the log, and the figures `GET /v1/nps` and the gauges give. The
/// state of the NPS projection: fed in log order, so it is rebuilt by replaying the log.
///
/// What counts: in each time bucket, one answer per (respondent, survey), the latest (by
/// when it was given; the later in the log on a tie), and never one that a later answer
/// names in `supersedes`. A correction therefore replaces rather than adds.
public struct NPSTally: Sendable {
    /// Answers in log order.
    public private(set) var answers: [NPSAnswer] = []
    /// Event ids some answer supersedes.
    private var superseded: Set<String> = []

    /// An empty tally.
    public init() {}

    /// Adds an answer (in log order).
    public mutating func add(_ answer: NPSAnswer) {
        answers.append(answer)
        if let replaced = answer.supersedes { superseded.insert(replaced) }
    }

    /// One row of a result: the dimension values, the bucket, and its cell.
    public struct Row: Sendable, Hashable {
        /// Dimension → value, for the query's `groupBy`.
        public var group: [NPSQuery.Dimension: String]
        /// The bucket's start (inclusive) and end (exclusive).
        public var from: Date
        public var to: Date
        /// The counts.
        public var cell: NPSCell
    }

    /// The rows of a query: one per group and bucket that has answers, groups sorted by
    /// their values, buckets oldest first.
    public func rows(for query: NPSQuery) -> [Row] {
        struct Key: Hashable {
            var group: [String]
            var bucket: Int
        }
        let width = query.step ?? query.to.timeIntervalSince(query.from)
        // (group, bucket, respondent, survey) → the answer that counts there.
        var latest: [Key: [String: NPSAnswer]] = [:]
        for answer in answers {
            guard answer.answeredAt >= query.from, answer.answeredAt < query.to, !superseded.contains(answer.eventId) else { continue }
            let bucket = Int(answer.answeredAt.timeIntervalSince(query.from) / width)
            let key = Key(group: query.groupBy.map { Self.value(of: $0, in: answer) }, bucket: bucket)
            let who = answer.respondent + "\u{0}" + answer.survey
            if let current = latest[key]?[who], current.answeredAt > answer.answeredAt { continue }
            latest[key, default: [:]][who] = answer
        }
        var cells: [Key: NPSCell] = [:]
        for (key, byRespondent) in latest {
            var cell = NPSCell()
            for answer in byRespondent.values { cell.count(answer.category) }
            cells[key] = cell
        }
        return cells.keys.sorted { lhs, rhs in
            lhs.group != rhs.group ? lhs.group.lexicographicallyPrecedes(rhs.group) : lhs.bucket < rhs.bucket
        }.map { key in
            let start = query.from.addingTimeInterval(Double(key.bucket) * width)
            return Row(
                group: Dictionary(uniqueKeysWithValues: zip(query.groupBy, key.group)), from: start,
                to: min(query.to, start.addingTimeInterval(width)), cell: cells[key]!)
        }
    }

    static func value(of dimension: NPSQuery.Dimension, in answer: NPSAnswer) -> String {
        switch dimension {
        case .segment: answer.segment
        case .channel: answer.channel
        case .survey: answer.survey
        }
    }
}
