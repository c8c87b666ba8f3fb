import Foundation

/// One entry of `benchmarks:`: an industry or competitor NPS to compare with, as published.
/// Given as counts, or as an NPS with the number of answers behind it, or as an NPS with
/// its interval: each of those yields a variance, which a comparison needs. A bare number
/// does not, and `check` refuses it.
public struct NPSBenchmark: Sendable, Hashable {
    /// What the figure is known by: `against=<name>`.
    public var name: String
    /// Where it comes from ("XM Institute Consumer NPS 2024").
    public var source: String
    /// When it was published or measured, as written (`2024`, `2024-06`, `2024-06-30`).
    public var date: String
    /// How it was published.
    public var figure: Figure

    /// The forms a published NPS takes.
    public enum Figure: Sendable, Hashable {
        /// The counts themselves.
        case counts(promoters: Int, passives: Int, detractors: Int)
        /// An NPS (−100…100) and its number of answers.
        case scoreWithResponses(nps: Double, responses: Int)
        /// An NPS and its 95 % interval, in NPS points.
        case scoreWithInterval(nps: Double, low: Double, high: Double)
    }

    /// Creates a benchmark.
    public init(name: String, source: String, date: String, figure: Figure) {
        self.name = name
        self.source = source
        self.date = date
        self.figure = figure
    }
}
