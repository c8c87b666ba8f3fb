import DiscourseAdapter
import Foundation
import ListeningPostTesting
import Testing

/// Raw webhook deliveries in, exact answer and stored message out. The fixtures are signed
/// with the secret of Discourse's own spec (`my_lovely_secret_for_web_hook`); ping.txt is
/// its official vector. `UPDATE_GOLDEN=1 swift test --filter DiscourseGoldenTests` rewrites them.
@Suite struct DiscourseGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/discourse", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        let actual = try await golden.run(DiscourseAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/discourse")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }
}
