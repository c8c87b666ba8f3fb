import Foundation
import ListeningPostCore
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
///
/// Each answer also keeps the themes it mentions (for key drivers, `NPSTally+Drivers`) and
/// its reason as stems (for suggestions, `NPSTally+Suggestions`), both as small integers in
/// flat arrays: a million answers' themes and reasons fit in tens of megabytes.
public struct NPSTally: Sendable {
    /// When each answer was given, seconds since 1970, in log order.
    private var answeredAt: [Double] = []
    /// When the same respondent next answered the same survey (`.infinity`: never).
    private var nextAt: [Double] = []
    private(set) var categories: [NPSCategory] = []
    /// Index into `combinations` (segment, channel, survey) per answer.
    private var combination: [Int32] = []
    private var excluded: [Bool] = []
    private(set) var eventIds: [String] = []

    private var combinations: [[String]] = []
    private var combinationIndex: [[String]: Int32] = [:]
    /// (respondent, survey) → its answers, ordered by (time, log position).
    private var byRespondent: [String: [Int]] = [:]
    private var positionOfEvent: [String: Int] = [:]
    /// Superseded ids not (yet) seen, for a correction that arrives before what it corrects.
    private var pendingSupersede: Set<String> = []

    /// Theme names, interned; answer i mentions `themeIds[themeStart[i]..<themeStart[i + 1]]`.
    private(set) var themeNames: [String] = []
    private var themeIndex: [String: Int32] = [:]
    private(set) var themeStart: [Int32] = [0]
    private(set) var themeIds: [Int32] = []

    /// How reasons are cut into stems; `nil` keeps no reasons.
    private let reasonLanguage: ThemeLanguage?
    /// Stems, interned from 1; answer i's reason is `reasonStems[reasonStart[i]..<reasonStart[i + 1]]`,
    /// its content words in order, stop words left out (as themes match them).
    private(set) var stemNames: [String] = [""]
    /// The first word seen for each stem, to show a phrase in words rather than stems.
    private(set) var stemWords: [String] = [""]
    private var stemIndex: [String: Int32] = [:]
    private(set) var reasonStart: [Int32] = [0]
    private(set) var reasonStems: [Int32] = []

    /// Words of a reason kept: a reason is a sentence or two; this bounds a pasted email.
    public static let maximumReasonWords = 200

    /// An empty tally; with a language, it keeps every reason as stems for suggestions.
    public init(reasonLanguage: ThemeLanguage? = nil) {
        self.reasonLanguage = reasonLanguage
    }

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
        addThemes(answer.themes)
        addReason(answer.reason)
    }

    private mutating func addThemes(_ names: [String]) {
        for name in Set(names).sorted() { themeIds.append(Self.intern(name, names: &themeNames, index: &themeIndex).id) }
        themeStart.append(Int32(themeIds.count))
    }

    private mutating func addReason(_ reason: String?) {
        defer { reasonStart.append(Int32(reasonStems.count)) }
        guard let language = reasonLanguage, let reason, !reason.isEmpty else { return }
        for word in ThemeText.words(reason).prefix(Self.maximumReasonWords) where !language.stopWords.contains(word) {
            let (id, isNew) = Self.intern(language.stemmer.stem(word), names: &stemNames, index: &stemIndex)
            if isNew { stemWords.append(word) }
            reasonStems.append(id)
        }
    }

    /// The id of `name` in `names`, added if it is new.
    private static func intern(_ name: String, names: inout [String], index: inout [String: Int32]) -> (id: Int32, isNew: Bool) {
        if let known = index[name] { return (known, false) }
        let new = Int32(names.count)
        names.append(name)
        index[name] = new
        return (new, true)
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

        /// Creates a row.
        public init(group: [NPSQuery.Dimension: String], from: Date, to: Date, cell: NPSCell) {
            self.group = group
            self.from = from
            self.to = to
            self.cell = cell
        }
    }

    /// How a query cuts the answers: its groups (each combination's, `-1` for one the query
    /// leaves out) and its buckets.
    struct Grouping {
        var groups: [[String]] = []
        var groupOfCombination: [Int] = []
        var buckets: Int
        var start: Double
        var end: Double
        var width: Double

        /// The group indexes in the order rows are given: by their values.
        var sortedGroups: [Int] { groups.indices.sorted { groups[$0].lexicographicallyPrecedes(groups[$1]) } }

        func values(of group: Int, _ query: NPSQuery) -> [NPSQuery.Dimension: String] {
            Dictionary(uniqueKeysWithValues: zip(query.groupBy, groups[group]))
        }

        func bucketRange(_ bucket: Int) -> (from: Date, to: Date) {
            let from = start + Double(bucket) * width
            return (Date(timeIntervalSince1970: from), Date(timeIntervalSince1970: min(end, from + width)))
        }
    }

    func grouping(for query: NPSQuery) -> Grouping {
        let start = query.from.timeIntervalSince1970
        let end = query.to.timeIntervalSince1970
        let width = query.step ?? (end - start)
        let buckets = max(1, Int((end - start) / width) + ((end - start).truncatingRemainder(dividingBy: width) > 0 ? 1 : 0))
        var grouping = Grouping(buckets: buckets, start: start, end: end, width: width)
        let columns: [NPSQuery.Dimension: Int] = [.segment: 0, .channel: 1, .survey: 2]
        let groupColumns = query.groupBy.map { columns[$0]! }
        let kept = query.only.map { (column: columns[$0.key]!, value: $0.value) }
        var groupOf: [[String]: Int] = [:]
        grouping.groupOfCombination = combinations.map { values -> Int in
            guard kept.allSatisfy({ values[$0.column] == $0.value }) else { return -1 }
            let group = groupColumns.map { values[$0] }
            if let known = groupOf[group] { return known }
            groupOf[group] = grouping.groups.count
            grouping.groups.append(group)
            return grouping.groups.count - 1
        }
        return grouping
    }

    /// Calls `body(answer, group, bucket)` for every answer that counts in the grouping: in
    /// range, not superseded, its respondent's latest to the survey in its bucket.
    func forEachCounted(in grouping: Grouping, _ body: (_ answer: Int, _ group: Int, _ bucket: Int) -> Void) {
        let start = grouping.start
        let end = grouping.end
        let width = grouping.width
        answeredAt.withUnsafeBufferPointer { times in
            for index in times.indices {
                let time = times[index]
                guard time >= start, time < end, !excluded[index] else { continue }
                let bucket = Int((time - start) / width)
                let bucketEnd = min(end, start + Double(bucket + 1) * width)
                guard nextAt[index] >= bucketEnd else { continue }
                let group = grouping.groupOfCombination[Int(combination[index])]
                guard group >= 0 else { continue }
                body(index, group, bucket)
            }
        }
    }

    /// The cell at `base` of a counts array laid out by ``column(_:)``.
    static func cell(_ counts: [Int], at base: Int) -> NPSCell {
        NPSCell(promoters: counts[base + 2], passives: counts[base + 1], detractors: counts[base])
    }

    /// 0 for a detractor, 1 a passive, 2 a promoter: a column of a counts array.
    static func column(_ category: NPSCategory) -> Int {
        switch category {
        case .detractor: 0
        case .passive: 1
        case .promoter: 2
        }
    }

    /// The rows of a query: one per group and bucket that has answers, groups sorted by
    /// their values, buckets oldest first.
    public func rows(for query: NPSQuery) -> [Row] {
        let grouping = grouping(for: query)
        let buckets = grouping.buckets
        // counts[(group × buckets + bucket) × 3 + category]
        var counts = [Int](repeating: 0, count: max(1, grouping.groups.count) * buckets * 3)
        forEachCounted(in: grouping) { index, group, bucket in
            counts[(group * buckets + bucket) * 3 + Self.column(categories[index])] += 1
        }
        var rows: [Row] = []
        for group in grouping.sortedGroups {
            for bucket in 0..<buckets {
                let cell = Self.cell(counts, at: (group * buckets + bucket) * 3)
                guard cell.responses > 0 else { continue }
                let range = grouping.bucketRange(bucket)
                rows.append(Row(group: grouping.values(of: group, query), from: range.from, to: range.to, cell: cell))
            }
        }
        return rows
    }
}
