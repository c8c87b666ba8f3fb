import Foundation
import ListeningPostKit
import ListeningPostTesting
import Testing

/// Times go into events as text and come back as doubles: the round trip must not lose a
/// millisecond (a breach carries its case's due time, read from the case's own event).
@Suite struct RFC3339Tests {
    @Test func aParsedTimePrintsAsTheTextItCameFrom() throws {
        var random = SeededRandom(seed: 20_261_201)
        for _ in 0..<20_000 {
            let milliseconds = Double(random.next() % 4_000_000_000_000)
            let text = RFC3339.string(from: Date(timeIntervalSince1970: milliseconds / 1000))
            let parsed = try #require(RFC3339.date(from: text))
            #expect(RFC3339.string(from: parsed) == text)
        }
    }
}
