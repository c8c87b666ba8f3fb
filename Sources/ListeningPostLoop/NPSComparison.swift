import Foundation

/// Ours against theirs: the difference of two independent adjusted-Wald estimates, its
/// 95 % interval (the two variances added), z, the two-sided p, and what it means. Pure:
/// `GET /v1/nps/compare`, the CLI and the tests compute the same thing.
///
/// With many cells compared at once, some will look different by chance; ``holm(_:)``
/// adjusts their p-values (Holm 1979, which controls the chance of any false "ahead" or
/// "behind" at 5 % without Bonferroni's loss of power), and the verdict uses the adjusted p.
public struct NPSComparison: Sendable, Hashable {
    /// Ours − theirs, in NPS points.
    public var difference: Double
    /// Its 95 % interval, in NPS points.
    public var interval: ClosedRange<Double>
    /// The difference over its standard error.
    public var z: Double
    /// Two-sided p of z under no difference.
    public var p: Double

    /// What a comparison says.
    public enum Verdict: String, Sendable, Hashable {
        case ahead
        case behind
        case noEvidence = "no evidence of a difference"
    }

    /// z for a two-sided 95 % interval.
    public static let zCritical = 1.959964
    /// z for 80 % power: the chance a real difference of the size asked for is detected.
    public static let zPower = 0.841621
    /// Below this (adjusted) p a difference is called.
    public static let alpha = 0.05

    /// Compares two estimates.
    public init(ours: NPSEstimate, theirs: NPSEstimate) {
        let difference = ours.value - theirs.value
        let standardError = (ours.variance + theirs.variance).squareRoot()
        let margin = Self.zCritical * standardError
        self.difference = 100 * difference
        self.interval = 100 * (difference - margin)...100 * (difference + margin)
        self.z = standardError > 0 ? difference / standardError : 0
        self.p = Self.twoSidedP(z)
    }

    /// The verdict at a p (the adjusted one, with many cells).
    public func verdict(p: Double) -> Verdict {
        guard p < Self.alpha else { return .noEvidence }
        return difference > 0 ? .ahead : .behind
    }

    /// 2 (1 − Φ(|z|)).
    public static func twoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }

    /// Holm's step-down adjustment: sorted ascending, the k-th smallest (from 0) times
    /// (m − k), never below the one before, at most 1. Returned in the order given.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = pValues
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// How many answers ours would need to detect a true difference of `points` with 80 %
    /// power at 5 % two-sided, assuming each answer varies as ours do now.
    ///
    /// Against `previous` both windows grow alike: n = (z₀.₀₂₅ + z₀.₂)² (σ²₁ + σ²₂) / δ² each.
    /// Against a benchmark its variance is fixed: n = σ²₁ / ((δ / (z₀.₀₂₅ + z₀.₂))² − V₂),
    /// and `nil` when V₂ alone is too large for any n of ours to tell `points` apart.
    public static func answersNeeded(ours: NPSEstimate, theirs: NPSEstimate, points: Double, theirsGrowsToo: Bool) -> Int? {
        let ourVariance = ours.answerVariance ?? 1
        let allowed = pow(points / 100 / (zCritical + zPower), 2)
        if theirsGrowsToo {
            return Int((((ourVariance + (theirs.answerVariance ?? 1)) / allowed)).rounded(.up))
        }
        let room = allowed - theirs.variance
        guard room > 0 else { return nil }
        return Int((ourVariance / room).rounded(.up))
    }
}
