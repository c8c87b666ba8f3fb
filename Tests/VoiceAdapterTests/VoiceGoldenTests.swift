import Foundation
import ListeningPostTesting
import Testing
import VoiceAdapter

/// Raw Twilio Voice requests in, exact answer (TwiML or problem) and stored message out
/// (``EndpointGoldenFile``). The fixtures' signatures were made with twilio-python's
/// `RequestValidator`, and the incoming-call TwiML is what its `VoiceResponse` builds for
/// the same settings (`VoiceTwiMLTests`). `UPDATE_GOLDEN=1` rewrites the expected parts.
@Suite struct VoiceGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/voice", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        let actual = try await golden.run(VoiceAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/voice")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }
}
