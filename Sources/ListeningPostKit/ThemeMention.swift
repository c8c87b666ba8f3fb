/// Enrichment: a theme an operator defined (`themes:`) that the message's text mentions,
/// with the phrase that matched, so every match can be explained. A mention under a
/// negation ("not slow") is kept, marked `negated`, and counts for nothing: routes, case
/// rules and the theme figures see only the others.
public struct ThemeMention: Sendable, Hashable, Codable {
    /// The theme's name (`wait-time`).
    public var theme: String
    /// The configured phrase that matched, as the operator wrote it.
    public var phrase: String
    /// The language whose stemmer matched it (`en`, `de`, `fr`, `es`, …).
    public var language: String
    /// Whether a negation came just before it ("not", "nicht", "pas", "no", …).
    public var negated: Bool

    /// Creates a mention.
    public init(theme: String, phrase: String, language: String, negated: Bool = false) {
        self.theme = theme
        self.phrase = phrase
        self.language = language
        self.negated = negated
    }
}
