/// One entry of `themes:`: a name and, per language, the phrases that mention it.
///
/// ```yaml
/// themes:
///   - name: wait-time
///     phrases:
///       en: [waited too long, slow, queue]
///       de: [lange gewartet, langsam]
/// ```
public struct Theme: Sendable, Equatable {
    /// The name routes, case rules and the figures use.
    public var name: String
    /// Phrases by language code, as written.
    public var phrases: [String: [String]]

    /// Creates a theme.
    public init(name: String, phrases: [String: [String]]) {
        self.name = name
        self.phrases = phrases
    }
}
