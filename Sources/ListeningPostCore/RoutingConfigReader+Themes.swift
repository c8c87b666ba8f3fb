import ListeningPostKit

extension RoutingConfigReader {
    /// `themes:`: unique valid names, a phrase or a list of phrases per language, and a
    /// stemmer for every language named. Read before the segments, routes and case rules,
    /// whose `theme:` conditions must name one of them.
    func readThemes(errors: inout [ConfigError]) -> ThemeMatcher {
        var themes: [Theme] = []
        var names: Set<String> = []
        let entries = top.objects("themes")
        for entry in entries {
            guard let name = entry.string("name") else { continue }
            guard ConfigLoader.isValidName(name) else {
                errors.append(entry.invalid("name", "'\(name)' is not a valid theme name: use lowercase letters, digits, '-' and '_'"))
                continue
            }
            guard names.insert(name).inserted else {
                errors.append(entry.invalid("name", "theme '\(name)' is already declared"))
                continue
            }
            guard let node = entry.node("phrases"), case .mapping(let languages) = node.content, !languages.isEmpty else {
                errors.append(entry.invalid("phrases", "expected phrases per language, such as {en: [waited too long, slow], de: [langsam]}"))
                continue
            }
            var phrases: [String: [String]] = [:]
            for language in languages {
                switch language.value.content {
                case .scalar(let text):
                    phrases[language.key] = [text]
                case .sequence(let elements) where !elements.isEmpty && elements.allSatisfy({ $0.scalar != nil }):
                    phrases[language.key] = elements.compactMap(\.scalar)
                default:
                    errors.append(
                        ConfigError(
                            path: "themes[\(name)].phrases.\(language.key)",
                            position: language.value.position,
                            message: "expected a phrase or a non-empty list of phrases, found \(language.value.kindDescription)"
                        )
                    )
                }
            }
            themes.append(Theme(name: name, phrases: phrases))
        }
        do {
            return try ThemeMatcher(themes: themes)
        } catch {
            let entry = entries.first { $0.string("name") == error.theme }
            errors.append(entry?.invalid("phrases", error.description) ?? top.invalid("themes", error.description))
            return .none
        }
    }
}
