import ListeningPostKit

/// The Net Promoter Score of a group of answers, as counts. Counts, never stored
/// percentages, so cells add up (``adding(_:)``) and re-aggregate exactly.
///
/// The interval is the adjusted-Wald 95 % interval for NPS (Rocks, 2016; Sauro & Lewis):
/// add three answers, ¾ of one each to promoters and detractors (so 1½ to passives), then
/// NPS' = p' − d' and its variance (p' + d' − NPS'²) / n', with n' = n + 3. It stays
/// within −100…100 and behaves at small n and at the extremes, where the plain Wald
/// interval collapses to a point.
public struct NPSCell: Sendable, Hashable {
    /// Answers 9–10.
    public var promoters = 0
    /// Answers 7–8.
    public var passives = 0
    /// Answers 0–6.
    public var detractors = 0

    /// Creates a cell from counts.
    public init(promoters: Int = 0, passives: Int = 0, detractors: Int = 0) {
        self.promoters = promoters
        self.passives = passives
        self.detractors = detractors
    }

    /// Every answer counted.
    public var responses: Int { promoters + passives + detractors }

    /// % promoters − % detractors, −100…100; `nil` with no answers.
    public var nps: Double? {
        guard responses > 0 else { return nil }
        return 100 * Double(promoters - detractors) / Double(responses)
    }

    /// The adjusted-Wald 95 % interval, in NPS points (−100…100).
    public var interval: ClosedRange<Double> { NPSEstimate(self).interval }

    /// Counts one answer.
    public mutating func count(_ category: NPSCategory) {
        switch category {
        case .promoter: promoters += 1
        case .passive: passives += 1
        case .detractor: detractors += 1
        }
    }

    /// Both cells' answers together.
    public func adding(_ other: NPSCell) -> NPSCell {
        NPSCell(promoters: promoters + other.promoters, passives: passives + other.passives, detractors: detractors + other.detractors)
    }
}
