import Foundation

/// A text cut into lowercased words, the way themes are matched: letters and digits make
/// words; anything else (spaces, punctuation, apostrophes) separates them, so "l'attente"
/// is "l" and "attente". English "n't" is read as "not" first, so "wasn't slow" is negated.
/// Pure: a function of the text.
public enum ThemeText {
    /// The words of `text`, lowercased, in order.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { words.append(current) }
            current = ""
        }
        let lowered = text.lowercased().replacingOccurrences(of: "n't", with: " not").replacingOccurrences(of: "n’t", with: " not")
        for character in lowered {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return words
    }
}
