import Foundation
import ListeningPostCore
import ListeningPostTesting
import Testing

/// ``ThemeText/words(_:)`` cuts text as the plain definition does (lowercase, "n't" read
/// as " not", letters and digits make words), checked against that definition written
/// the slow way, on fixed cases and on random texts of letters, accents, apostrophes and
/// marks.
@Suite struct ThemeTextTests {
    /// The definition: lowercased, "n't" → " not", then words of `Character`s that are
    /// letters or numbers.
    static func reference(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        let lowered = text.lowercased().replacingOccurrences(of: "n't", with: " not").replacingOccurrences(of: "n’t", with: " not")
        for character in lowered {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    @Test(arguments: [
        "We WAITED too long", "wasn't slow", "It DOESN'T work", "can’t", "n't", "l'attente était LONGUE", "Rückerstattung, bitte!",
        "¿Por qué tardó tanto?", "ÉTÉ", "9 out of 10", "don'tx", "e\u{301}te\u{301}", "",
    ])
    func cutsAsTheDefinitionDoes(_ text: String) {
        #expect(ThemeText.words(text) == Self.reference(text), "\(text)")
    }

    @Test func cutsRandomTextsAsTheDefinitionDoes() {
        let alphabet: [String] = ["a", "N", "n", "t", "T", "'", "’", " ", ",", "é", "Ü", "ß", "ñ", "\u{301}", "7", "-", "Ç", "x"]
        var random = SeededRandom(seed: 17)
        for _ in 0..<3_000 {
            let text = (0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }.joined()
            #expect(ThemeText.words(text) == Self.reference(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
