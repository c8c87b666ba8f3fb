import Foundation
import ListeningPostTesting
import Testing
import WebhookAdapter

/// Golden files (see ``EndpointGoldenFile``): raw request in, exact answer and stored
/// message out. `UPDATE_GOLDEN=1 swift test --filter WebhookGoldenTests` rewrites them.
@Suite struct WebhookGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/webhook", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        // The official Standard Webhooks vector's timestamp is the default `now`, so its signature verifies.
        let actual = try await golden.run(WebhookAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/webhook")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }
}
