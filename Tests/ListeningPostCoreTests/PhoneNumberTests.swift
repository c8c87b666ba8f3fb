import Foundation
import ListeningPostKit
import Testing

/// The golden table in Fixtures/phone-numbers.txt: numbers across countries and notations,
/// each with the E.164 form libphonenumber must give, or `invalid_phone`.
@Suite struct PhoneNumberTests {
    struct Row: CustomStringConvertible, Sendable {
        var expected: String?
        var region: String?
        var raw: String
        var line: Int
        var description: String { "line \(line): \(raw.debugDescription) in \(region ?? "no region")" }
    }

    static let rows: [Row] = {
        let url = Bundle.module.url(forResource: "Fixtures/phone-numbers", withExtension: "txt")!
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").enumerated().compactMap { index, line -> Row? in
            guard !line.hasPrefix("#") else { return nil }
            let parts = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { return nil }
            return Row(
                expected: parts[0] == "invalid_phone" ? nil : parts[0],
                region: parts[1] == "-" ? nil : parts[1],
                raw: parts[2],
                line: index + 1
            )
        }
    }()

    @Test(arguments: rows)
    func numberNormalisesAsTheTableSays(_ row: Row) {
        #expect(PhoneNumber.e164(row.raw, defaultRegion: row.region) == row.expected, "\(row)")
    }

    @Test func theTableCoversCountriesAndNotations() {
        #expect(Self.rows.count >= 40)
        let countries = Set(
            Self.rows.compactMap(\.expected).compactMap { number in
                ["1", "44", "39", "49", "33", "34", "31", "54", "55", "91", "81", "61", "52"].first { number.hasPrefix("+" + $0) }
            }
        )
        #expect(countries.count >= 10, "\(countries)")
    }

    /// Configs written before regions name a calling code; it stands for its main region.
    @Test func aCallingCodeStandsForItsMainRegion() {
        #expect(PhoneNumber.region(forCallingCode: "44") == "GB")
        #expect(PhoneNumber.region(forCallingCode: "1") == "US")
        #expect(PhoneNumber.region(forCallingCode: "39") == "IT")
        #expect(PhoneNumber.region(forCallingCode: "999") == nil)
        #expect(PhoneNumber.region(forCallingCode: "+44") == nil)
        #expect(PhoneNumber.e164("06 1234 5678", defaultCountryCode: "39") == "+390612345678")
        #expect(PhoneNumber.isSupportedRegion("GB") && !PhoneNumber.isSupportedRegion("UK"))
    }
}
