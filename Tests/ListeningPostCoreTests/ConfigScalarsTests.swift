import ListeningPostKit
import Testing

@Suite struct ConfigScalarsTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("3h", .seconds(10800)),
        ("1d", .seconds(86400)), ("1h30m", .seconds(5400)), ("1.5s", .milliseconds(1500)),
    ])
    func parsesDurations(_ text: String, _ expected: Duration) {
        #expect(ConfigScalars.duration(text) == expected)
    }

    @Test(arguments: ["30", "", "5 minutes", "m5", "3w"])
    func rejectsDurationsWithoutAKnownUnit(_ text: String) {
        #expect(ConfigScalars.duration(text) == nil)
    }

    @Test(arguments: [("65536", 65536), ("64KiB", 65536), ("1MiB", 1_048_576), ("10MB", 10_000_000), ("2 KB", 2000)])
    func parsesSizes(_ text: String, _ expected: Int) {
        #expect(ConfigScalars.byteSize(text) == expected)
    }

    @Test(arguments: ["", "lots", "1XB", "-5", "99999999999999999999GiB"])
    func rejectsBadSizes(_ text: String) {
        #expect(ConfigScalars.byteSize(text) == nil)
    }

    @Test func formatsDurationsAsWritten() {
        #expect(ConfigScalars.format(.seconds(5400)) == "1h30m")
        #expect(ConfigScalars.format(.milliseconds(250)) == "250ms")
    }
}
