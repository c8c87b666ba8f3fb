import Foundation
import ListeningPostKit

extension NPSTally {
    /// What `GET /v1/themes/suggestions` finds: the answers with a reason, and the phrases
    /// that lean to detractors and to promoters.
    public struct Suggestions: Sendable, Hashable {
        /// The counted answers that gave a reason.
        public var answers: NPSCell
        /// Phrases detractors use more, the strongest first.
        public var detractorPhrases: [PhraseSuggestion]
        /// Phrases promoters use more, the strongest first.
        public var promoterPhrases: [PhraseSuggestion]
    }

    /// Longest phrase, in stems.
    public static let maximumPhraseLength = 3
    /// |z| a phrase needs to be suggested: a two-sided 5 % level.
    public static let suggestionThreshold = 1.959964

    /// Phrases of one to three stems (stop words skipped, as themes match) from the reasons
    /// of the answers that count in `query`, ranked by the log-odds ratio with an
    /// informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words"):
    ///
    ///     δ = log((y_d + α) / (n_d + α₀ − y_d − α)) − log((y_p + α) / (n_p + α₀ − y_p − α))
    ///     σ² ≈ 1/(y_d + α) + 1/(y_p + α),   z = δ / σ
    ///
    /// where y is the answers on a side whose reason has the phrase, n all phrase
    /// occurrences on that side, α the phrase's count over every answer in the range
    /// (passives too) and α₀ the sum of those. The prior pulls rare phrases towards no
    /// difference, so three angry mentions of a typo do not outrank a real complaint. A
    /// phrase is counted once per answer. Only phrases in at least `minimumAnswers` answers
    /// and with |z| ≥ 1.96 are given; a shorter phrase is left out where a longer one that
    /// contains it has the same counts (it only ever appears inside it).
    public func suggestions(for query: NPSQuery, minimumAnswers: Int = 5, limit: Int = 20) -> Suggestions {
        var query = query
        query.groupBy = []
        query.step = nil
        let grouping = grouping(for: query)
        var counts: [UInt64: SIMD4<Int32>] = [:]
        var occurrences = SIMD4<Int32>(repeating: 0)
        var answers = NPSCell()
        var phrases: [UInt64] = []
        forEachCounted(in: grouping) { index, _, _ in
            guard reasonStart[index] < reasonStart[index + 1] else { return }
            answers.count(categories[index])
            let column = Self.column(categories[index])
            phrases.removeAll(keepingCapacity: true)
            collectPhrases(of: index, into: &phrases)
            for phrase in phrases { counts[phrase, default: .zero][column] += 1 }
            occurrences[column] += Int32(phrases.count)
        }
        let background = Double(occurrences[0] + occurrences[1] + occurrences[2])
        var candidates: [Candidate] = []
        for (key, count) in counts where Int(count[0] + count[2]) >= minimumAnswers {
            let detractors = Double(count[0])
            let promoters = Double(count[2])
            let prior = Double(count[0] + count[1] + count[2])
            let detractorRest = Double(occurrences[0]) + background - detractors - prior
            let promoterRest = Double(occurrences[2]) + background - promoters - prior
            guard detractorRest > 0, promoterRest > 0 else { continue }
            let logOdds = log((detractors + prior) / detractorRest) - log((promoters + prior) / promoterRest)
            let z = logOdds / (1 / (detractors + prior) + 1 / (promoters + prior)).squareRoot()
            guard abs(z) >= Self.suggestionThreshold else { continue }
            candidates.append(Candidate(key: key, counts: count, logOdds: logOdds, z: z))
        }
        func ranked(_ side: [Candidate]) -> [Candidate] {
            let sorted = side.sorted {
                if abs($0.z) != abs($1.z) { return abs($0.z) > abs($1.z) }
                if Self.length(of: $0.key) != Self.length(of: $1.key) { return Self.length(of: $0.key) > Self.length(of: $1.key) }
                return $0.key < $1.key
            }
            // A shorter phrase that only ever appears inside a longer candidate says nothing more.
            let pool = sorted.prefix(limit * 4)
            let kept = pool.filter { shorter in
                !pool.contains { longer in
                    Self.length(of: longer.key) > Self.length(of: shorter.key) && longer.counts == shorter.counts
                        && Self.stems(of: longer.key).contains(subsequence: Self.stems(of: shorter.key))
                }
            }
            return Array(kept.prefix(limit))
        }
        let detractorSide = ranked(candidates.filter { $0.z > 0 })
        let promoterSide = ranked(candidates.filter { $0.z < 0 })
        let examples = examples(of: Set(detractorSide.map(\.key)), promoters: Set(promoterSide.map(\.key)), in: grouping)
        func suggestion(_ candidate: Candidate) -> PhraseSuggestion {
            let stems = Self.stems(of: candidate.key)
            return PhraseSuggestion(
                phrase: stems.map { stemWords[Int($0)] }.joined(separator: " "),
                stems: stems.map { stemNames[Int($0)] },
                detractors: Int(candidate.counts[0]),
                passives: Int(candidate.counts[1]),
                promoters: Int(candidate.counts[2]),
                logOdds: candidate.logOdds,
                z: candidate.z,
                examples: examples[candidate.key] ?? []
            )
        }
        return Suggestions(answers: answers, detractorPhrases: detractorSide.map(suggestion), promoterPhrases: promoterSide.map(suggestion))
    }

    /// A phrase that passed the threshold: its packed stems, counts by category, and statistic.
    private struct Candidate {
        var key: UInt64
        var counts: SIMD4<Int32>
        var logOdds: Double
        var z: Double
    }

    /// The distinct phrases of an answer's reason, each packed as up to three 21-bit stem ids.
    private func collectPhrases(of index: Int, into phrases: inout [UInt64]) {
        let start = Int(reasonStart[index])
        let end = Int(reasonStart[index + 1])
        for first in start..<end {
            var key: UInt64 = 0
            for length in 0..<Self.maximumPhraseLength where first + length < end {
                // Stem ids start at 1 (`stemNames[0]` is a placeholder), so no stem is the empty key.
                let stem = UInt64(reasonStems[first + length])
                guard stem < 1 << 21 else { break }
                key |= stem << (21 * UInt64(length))
                phrases.append(key)
            }
        }
        if phrases.count > 1 {
            phrases.sort()
            var unique = 1
            for position in 1..<phrases.count where phrases[position] != phrases[unique - 1] {
                phrases[unique] = phrases[position]
                unique += 1
            }
            phrases.removeLast(phrases.count - unique)
        }
    }

    /// Up to three latest event ids per phrase, from detractors for `detractors`' phrases
    /// and promoters for `promoters`'.
    private func examples(of detractors: Set<UInt64>, promoters: Set<UInt64>, in grouping: Grouping) -> [UInt64: [String]] {
        var found: [UInt64: [String]] = [:]
        guard !detractors.isEmpty || !promoters.isEmpty else { return found }
        var phrases: [UInt64] = []
        forEachCounted(in: grouping) { index, _, _ in
            guard reasonStart[index] < reasonStart[index + 1] else { return }
            let wanted: Set<UInt64>
            switch categories[index] {
            case .detractor: wanted = detractors
            case .promoter: wanted = promoters
            case .passive: return
            }
            guard !wanted.isEmpty else { return }
            phrases.removeAll(keepingCapacity: true)
            collectPhrases(of: index, into: &phrases)
            for phrase in phrases where wanted.contains(phrase) {
                var list = found[phrase] ?? []
                list.insert(eventIds[index], at: 0)
                if list.count > 3 { list.removeLast() }
                found[phrase] = list
            }
        }
        return found
    }

    static func length(of key: UInt64) -> Int { stems(of: key).count }

    static func stems(of key: UInt64) -> [Int32] {
        var stems: [Int32] = []
        var rest = key
        while rest != 0 {
            stems.append(Int32(rest & (1 << 21 - 1)))
            rest >>= 21
        }
        return stems
    }
}

extension Array where Element: Equatable {
    /// Whether `part` appears in it as consecutive elements.
    func contains(subsequence part: [Element]) -> Bool {
        guard !part.isEmpty, part.count <= count else { return part.isEmpty }
        return (0...(count - part.count)).contains { start in self[start..<(start + part.count)].elementsEqual(part) }
    }
}
