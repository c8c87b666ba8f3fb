/// A phrase from the reasons that one side uses more than the other: a candidate theme.
public struct PhraseSuggestion: Sendable, Hashable {
    /// The phrase in words (the first word seen for each stem), ready for `themes:`.
    public var phrase: String
    /// Its stems, as matched.
    public var stems: [String]
    /// Detractors' answers whose reason has it.
    public var detractors: Int
    /// Passives' answers whose reason has it.
    public var passives: Int
    /// Promoters' answers whose reason has it.
    public var promoters: Int
    /// The log-odds ratio, detractors over promoters, with the informative Dirichlet prior.
    public var logOdds: Double
    /// The log-odds ratio over its standard deviation: > 0 leans to detractors.
    public var z: Double
    /// Event ids of answers on its side that have it, latest first (at most three).
    public var examples: [String]
}
