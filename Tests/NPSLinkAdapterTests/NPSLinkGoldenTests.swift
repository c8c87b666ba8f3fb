import Foundation
import ListeningPostTesting
import NPSLinkAdapter
import Testing

/// Score links in, the page and the stored message out. The links are signed with the
/// secret in the fixtures; `UPDATE_GOLDEN=1` rewrites the expected parts.
@Suite struct NPSLinkGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/nps-link", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        let actual = try await golden.run(NPSLinkAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/nps-link")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }

    /// The signature a mailer computes with openssl, as docs/writing-an-adapter.md shows:
    /// `printf 'relationship-2026q4\nann@example.com\n1795536000' | openssl dgst -sha256 -hmac nps-link-secret-0123456789`
    @Test func signatureMatchesOpenSSL() {
        #expect(
            NPSLinkSignature.sign(
                survey: "relationship-2026q4",
                email: "ann@example.com",
                issuedAt: 1_795_536_000,
                secret: "nps-link-secret-0123456789"
            )
                == "d269c5ef5bf80c0518e21f92e9ebec0bd610d1ca2e7541d66bd129c633e0e25c"
        )
        #expect(
            NPSLinkSignature.link(base: "https://gw.example.com/nps", survey: "q4", email: "ann+vip@example.com", score: 7, issuedAt: 1, secret: "s")
                == "https://gw.example.com/nps?survey=q4&email=ann%2Bvip%40example.com&t=1&score=7&sig="
                + NPSLinkSignature.sign(survey: "q4", email: "ann+vip@example.com", issuedAt: 1, secret: "s")
        )
    }
}
