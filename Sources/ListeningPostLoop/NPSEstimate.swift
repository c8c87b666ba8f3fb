import ListeningPostCore

/// An NPS as a comparison needs it: the adjusted-Wald estimate and its sampling variance,
/// as proportions (−1…1), and the variance of one answer, which sizes a sample.
///
/// From counts: n' = n + 3, p' = (P + ¾)/n', d' = (D + ¾)/n', NPS' = p' − d', the variance
/// of one answer (scored +1, 0, −1) p' + d' − NPS'², and of the estimate that over n'
/// (Rocks 2016; MeasuringU's adjusted-Wald test). A benchmark published as an NPS and n
/// does not say how many were passives, so its answer variance is taken as the largest
/// that NPS allows (no passives: 1 − NPS²), which makes the comparison cautious rather
/// than bold. One published with an interval has the variance the interval implies.
public struct NPSEstimate: Sendable, Hashable {
    /// The estimate, −1…1.
    public var value: Double
    /// The variance of the estimate.
    public var variance: Double
    /// The variance of one answer, when the answers are known.
    public var answerVariance: Double?
    /// Answers behind it, when known.
    public var responses: Int?

    /// Creates an estimate.
    public init(value: Double, variance: Double, answerVariance: Double? = nil, responses: Int? = nil) {
        self.value = value
        self.variance = variance
        self.answerVariance = answerVariance
        self.responses = responses
    }

    /// The adjusted-Wald estimate of a cell's counts.
    public init(_ cell: NPSCell) {
        let n = Double(cell.responses) + 3
        let promoterShare = (Double(cell.promoters) + 0.75) / n
        let detractorShare = (Double(cell.detractors) + 0.75) / n
        let value = promoterShare - detractorShare
        let answerVariance = promoterShare + detractorShare - value * value
        self.init(value: value, variance: answerVariance / n, answerVariance: answerVariance, responses: cell.responses)
    }

    /// A benchmark's estimate.
    public init(_ benchmark: NPSBenchmark) {
        switch benchmark.figure {
        case .counts:
            self.init(benchmark.cell ?? NPSCell())
        case .scoreWithResponses(let nps, let responses):
            let value = nps / 100
            let answerVariance = max(0, 1 - value * value)
            self.init(value: value, variance: answerVariance / Double(responses), answerVariance: answerVariance, responses: responses)
        case .scoreWithInterval(let nps, let low, let high):
            let standardError = (high - low) / 200 / NPSComparison.zCritical
            self.init(value: nps / 100, variance: standardError * standardError)
        }
    }

    /// The estimate in NPS points.
    public var points: Double { 100 * value }

    /// The 95 % interval in NPS points, within −100…100.
    public var interval: ClosedRange<Double> {
        let margin = NPSComparison.zCritical * variance.squareRoot()
        return max(-100, 100 * (value - margin))...min(100, 100 * (value + margin))
    }
}

extension NPSBenchmark {
    /// The counts, for a benchmark published as counts.
    public var cell: NPSCell? {
        guard case .counts(let promoters, let passives, let detractors) = figure else { return nil }
        return NPSCell(promoters: promoters, passives: passives, detractors: detractors)
    }
}
