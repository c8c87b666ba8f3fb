/// A text cut into lowercased words, the way themes are matched: letters and digits make
/// words; anything else (spaces, punctuation, apostrophes) separates them, so "l'attente"
/// is "l" and "attente". English "n't" is read as "not" first, so "wasn't slow" is negated.
/// Pure: a function of the text.
public enum ThemeText {
    /// The words of `text`, lowercased, in order.
    ///
    /// One pass over the Unicode scalars, ASCII without a table lookup: at ingest this runs
    /// for every message, and `lowercased()` then `replacingOccurrences` (through
    /// Foundation) and a walk over `Character`s took most of theme matching's time
    /// (bench/themes.sh). A combining mark stays in the word it follows, as it would in a
    /// `Character`.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        // "n't": the word so far without its `n`, then "not" (which letters after may
        // extend, as the text replacement "n't" → " not" would).
        func contractNot() {
            current.removeLast()
            flush()
            current.append(contentsOf: "not".unicodeScalars)
        }
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            let value = scalar.value
            if value < 0x80 {
                if value >= 0x61 && value <= 0x7A || value >= 0x30 && value <= 0x39 {
                    current.append(scalar)
                } else if value >= 0x41 && value <= 0x5A {
                    current.append(Unicode.Scalar(value | 0x20)!)
                } else if value == 0x27, index < scalars.count, scalars[index].value | 0x20 == 0x74, current.last?.value == 0x6E,
                    !isMark(at: index + 1, in: scalars)
                {
                    contractNot()
                    index += 1
                } else {
                    flush()
                }
                continue
            }
            let properties = scalar.properties
            if value == 0x2019, index < scalars.count, scalars[index].value | 0x20 == 0x74, current.last?.value == 0x6E,
                !isMark(at: index + 1, in: scalars)
            {
                contractNot()
                index += 1
            } else if properties.isAlphabetic || properties.numericType != nil {
                if properties.changesWhenLowercased {
                    current.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
                } else {
                    current.append(scalar)
                }
            } else if !current.isEmpty, isMark(at: index - 1, in: scalars) {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    /// Whether the scalar at `index` is a combining mark (part of the character before it).
    private static func isMark(at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        guard index < scalars.count, scalars[index].value >= 0x300 else { return false }
        return [.nonspacingMark, .spacingMark, .enclosingMark].contains(scalars[index].properties.generalCategory)
    }
}
