import Foundation
import ListeningPostKit

extension NPSTally {
    /// One group and bucket of `GET /v1/themes`: every counted answer, and for each theme
    /// mentioned, the answers that mention it.
    public struct DriverRow: Sendable, Hashable {
        /// Dimension → value, for the query's `groupBy`.
        public var group: [NPSQuery.Dimension: String]
        /// The bucket's start (inclusive).
        public var from: Date
        /// The bucket's end (exclusive).
        public var to: Date
        /// Every answer that counts.
        public var all: NPSCell
        /// Theme → the answers mentioning it, for each theme with at least one.
        public var mentioning: [String: NPSCell]
    }

    /// Key drivers: for each group and bucket with answers, the answers mentioning each
    /// theme (those that do not are `all` less them). Counted as ``rows(for:)`` counts.
    public func driverRows(for query: NPSQuery) -> [DriverRow] {
        let grouping = grouping(for: query)
        let buckets = grouping.buckets
        let themeCount = themeNames.count
        let cells = max(1, grouping.groups.count) * buckets
        var all = [Int](repeating: 0, count: cells * 3)
        // mentions[((group × buckets + bucket) × themes + theme) × 3 + category]
        var mentions = [Int](repeating: 0, count: cells * max(1, themeCount) * 3)
        forEachCounted(in: grouping) { index, group, bucket in
            let cell = group * buckets + bucket
            let column = Self.column(categories[index])
            all[cell * 3 + column] += 1
            for position in Int(themeStart[index])..<Int(themeStart[index + 1]) {
                mentions[(cell * themeCount + Int(themeIds[position])) * 3 + column] += 1
            }
        }
        var rows: [DriverRow] = []
        for group in grouping.sortedGroups {
            for bucket in 0..<buckets {
                let cell = group * buckets + bucket
                let total = Self.cell(all, at: cell * 3)
                guard total.responses > 0 else { continue }
                var mentioning: [String: NPSCell] = [:]
                for theme in 0..<themeCount {
                    let counts = Self.cell(mentions, at: (cell * themeCount + theme) * 3)
                    if counts.responses > 0 { mentioning[themeNames[theme]] = counts }
                }
                let range = grouping.bucketRange(bucket)
                rows.append(DriverRow(group: grouping.values(of: group, query), from: range.from, to: range.to, all: total, mentioning: mentioning))
            }
        }
        return rows
    }
}
