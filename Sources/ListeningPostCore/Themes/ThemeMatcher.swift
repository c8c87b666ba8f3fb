import ListeningPostKit

/// The configured themes, compiled: each phrase stemmed in its language, stop words left
/// out. ``mentions(in:)`` is a pure function of the text, run at ingest for every message
/// with text, and by `route --dry-run`.
///
/// A phrase matches where its stems follow one another in the text's stems, stop words
/// skipped on both sides: "waited too long" matches "we were waiting too long", and a word
/// between ("waited far too long") breaks the match. A negation ("not", "nicht", "pas",
/// "no", …) up to ``ThemeLanguage/negationReach`` words before a match marks it negated.
/// Every configured language is tried, as a message does not say which it is in.
public struct ThemeMatcher: Sendable {
    struct Phrase: Sendable {
        var theme: String
        var text: String
        var stems: [String]
    }

    struct Compiled: Sendable {
        var language: ThemeLanguage
        var phrases: [Phrase]
    }

    /// The themes as configured.
    public let themes: [Theme]
    private let languages: [Compiled]
    /// The negations of every configured language: a message does not say its language, so
    /// "n'est pas lent" must be negated for the Spanish phrase "lento" (stem "lent") too.
    private let negations: Set<String>

    /// Words read per message: past this a long email's tail is not matched, so one huge
    /// message cannot slow ingest.
    public static let maximumWords = 5_000

    /// No themes: nothing is matched.
    public static let none = ThemeMatcher()

    private init() {
        themes = []
        languages = []
        negations = []
    }

    /// Why a theme cannot be compiled, worded for `check`.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The theme.
        public var theme: String
        /// What is wrong with it.
        public var description: String
    }

    /// Compiles themes. Throws for a language libstemmer has no stemmer for, or a phrase
    /// with no word that is not a stop word.
    public init(themes: [Theme]) throws(Problem) {
        var byLanguage: [String: Compiled] = [:]
        for theme in themes {
            for (code, phrases) in theme.phrases.sorted(by: { $0.key < $1.key }) {
                if byLanguage[code] == nil {
                    guard let language = ThemeLanguage(code: code) else {
                        throw Problem(
                            theme: theme.name,
                            description:
                                "no stemmer for language '\(code)' (use en, de, fr, es, or a libstemmer name: \(Stemmer.algorithms.joined(separator: ", ")))"
                        )
                    }
                    byLanguage[code] = Compiled(language: language, phrases: [])
                }
                let language = byLanguage[code]!.language
                for phrase in phrases {
                    let stems = ThemeText.words(phrase).filter { !language.stopWords.contains($0) }.map(language.stemmer.stem)
                    guard !stems.isEmpty else {
                        throw Problem(theme: theme.name, description: "phrase '\(phrase)' (\(code)) has only stop words; it would match nothing")
                    }
                    byLanguage[code]!.phrases.append(Phrase(theme: theme.name, text: phrase, stems: stems))
                }
            }
        }
        self.themes = themes
        self.languages = byLanguage.values.sorted { $0.language.code < $1.language.code }
        self.negations = byLanguage.values.reduce(into: Set<String>()) { $0.formUnion($1.language.negations) }
    }

    /// Whether any theme is configured.
    public var isEmpty: Bool { languages.isEmpty }

    /// The themes the text mentions, one mention per theme (one not negated when there is
    /// one), ordered by theme name.
    public func mentions(in text: String) -> [ThemeMention] {
        guard !languages.isEmpty, !text.isEmpty else { return [] }
        let words = ThemeText.words(text).prefix(Self.maximumWords)
        guard !words.isEmpty else { return [] }
        var found: [String: ThemeMention] = [:]
        for compiled in languages {
            let language = compiled.language
            // The content words' stems, each with whether a negation reaches it.
            var stems: [String] = []
            var negated: [Bool] = []
            var reach = 0
            for word in words {
                if negations.contains(word) {
                    reach = ThemeLanguage.negationReach
                } else if !language.stopWords.contains(word) {
                    stems.append(language.stemmer.stem(word))
                    negated.append(reach > 0)
                    reach = max(0, reach - 1)
                }
            }
            for phrase in compiled.phrases {
                if let current = found[phrase.theme], !current.negated { continue }
                guard let start = Self.firstIndex(of: phrase.stems, in: stems) else { continue }
                let mention = ThemeMention(theme: phrase.theme, phrase: phrase.text, language: language.code, negated: negated[start])
                if found[phrase.theme] == nil || !mention.negated { found[phrase.theme] = mention }
            }
        }
        return found.values.sorted { $0.theme < $1.theme }
    }

    private static func firstIndex(of needle: [String], in haystack: [String]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if needle.count == 1 || haystack[(start + 1)..<(start + needle.count)].elementsEqual(needle[1...]) { return start }
        }
        return nil
    }
}
