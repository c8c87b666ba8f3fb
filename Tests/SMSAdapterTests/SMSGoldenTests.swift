import Foundation
import ListeningPostTesting
import SMSAdapter
import Testing

/// Raw provider requests in, exact answer and stored message out (``EndpointGoldenFile``).
/// The fixtures' signatures were made with the providers' own SDKs (Tests/Interop/sign.py).
/// `UPDATE_GOLDEN=1 swift test --filter SMSGoldenTests` rewrites the expected parts.
@Suite struct SMSGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/sms", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        let actual = try await golden.run(SMSAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/sms")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }
}
