/// What theme matching needs to know of a language: its Snowball stemmer, the words that
/// carry no theme (stop words, skipped on both sides of a match) and the words that negate
/// what follows them. The four with lists here are the ones the docs promise; any other
/// libstemmer language stems, with no stop words or negations of its own.
public struct ThemeLanguage: Sendable {
    /// The code used in `themes:` (`en`).
    public let code: String
    /// Its stemmer.
    public let stemmer: Stemmer
    /// Lowercased words skipped when matching.
    public let stopWords: Set<String>
    /// Lowercased words that negate the next few words.
    public let negations: Set<String>

    /// How many words after a negation it reaches: "not slow", "not very slow", "nicht so
    /// langsam", but not a theme a clause later.
    public static let negationReach = 3

    /// The language for a code or libstemmer name; `nil` when libstemmer has no stemmer for it.
    public init?(code: String) {
        guard let stemmer = Stemmer(Self.algorithms[code] ?? code) else { return nil }
        self.code = code
        self.stemmer = stemmer
        self.stopWords = Self.stopWords[code] ?? []
        self.negations = Self.negations[code] ?? []
    }

    static let algorithms = ["en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch", "pt": "portuguese"]

    static let negations: [String: Set<String>] = [
        "en": ["not", "no", "never", "nothing", "without", "hardly", "nor", "neither"],
        "de": ["nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "ohne", "weder"],
        "fr": ["pas", "jamais", "sans", "aucun", "aucune", "ni", "rien", "guère"],
        "es": ["no", "nunca", "sin", "ningún", "ninguna", "ninguno", "jamás", "tampoco", "ni", "nada"],
    ]

    // Short lists of the commonest function words: enough that "the wait was long" matches
    // "wait long", few enough that no content word is lost. Negations are not stop words.
    static let stopWords: [String: Set<String>] = [
        "en": [
            "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "is", "are", "was", "were", "be",
            "been", "am", "it", "its", "this", "that", "i", "me", "my", "we", "our", "you", "your", "they", "them", "their", "he", "she",
            "so", "very", "too", "really", "just", "had", "has", "have", "do", "did", "does", "s",
        ],
        "de": [
            "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "und", "oder", "aber", "zu", "im", "in",
            "am", "an", "auf", "mit", "von", "für", "ist", "sind", "war", "waren", "es", "ich", "wir", "sie", "er", "mein", "meine", "so",
            "sehr", "zu", "hat", "habe", "haben", "wurde", "wurden",
        ],
        "fr": [
            "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "et", "ou", "mais", "à", "au", "aux", "en", "dans", "sur", "pour",
            "avec", "par", "est", "sont", "était", "été", "il", "elle", "je", "j", "nous", "vous", "ils", "ce", "c", "mon", "ma", "mes",
            "très", "trop", "ai", "a", "ne", "n", "y", "qu", "que",
        ],
        "es": [
            "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "de", "del", "a", "al", "en", "con", "por", "para",
            "es", "son", "fue", "era", "estaba", "ha", "he", "lo", "me", "mi", "mis", "yo", "nosotros", "muy", "demasiado", "que", "se",
        ],
    ]
}
