import Foundation
import IMAPAdapter
import ListeningPostKit
import ListeningPostTesting
import TestSupport
import Testing

/// The IMAP channel passes the shared adapter conformance suite against the real Dovecot.
struct IMAPConformanceTests {
    @Test func imapAdapterConforms() async throws {
        try await AdapterConformance(IMAPHarness(dovecot: .shared)).run()
    }
}

/// A mailbox of its own on the test Dovecot; mail is delivered into its Maildir as a
/// delivery agent would.
struct IMAPHarness: ConformanceHarness {
    typealias Adapter = IMAPAdapter
    static let user = "conformance"
    let dovecot: DovecotFixture

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("url", "imap://127.0.0.1:\(dovecot.port)/INBOX"),
            ConfigLine("username", Self.user),
            ConfigLine("password", "\(Self.user)-pw"),
            ConfigLine("tls", "none"),
            ConfigLine("insecure", "true"),
            // Each check starts with an empty log, so each is a first start: read the day's
            // mail rather than only what arrives later.
            ConfigLine("backfill", "1d"),
            ConfigLine("poll_interval", "1s"),
        ]
    }

    var secrets: [String] { ["\(Self.user)-pw"] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["url": "http://127.0.0.1/INBOX"], names: "url"),
            InvalidConfig(["insecure": nil], names: "tls"),
            InvalidConfig(["password": nil], names: "password"),
            InvalidConfig(["after_commit": "move"], names: "move_to"),
        ]
    }

    func offer(_ count: Int, to adapter: IMAPAdapter) async throws -> [String] {
        var keys: [String] = []
        for index in 0..<count {
            let id = "\(UUID().uuidString)@conformance.example.com"
            let eml = try dovecot.deliver(to: Self.user, messageId: id, subject: "Conformance \(index)")
            keys.append(IMAPIntegrationTests.dedupKey(of: eml))
        }
        return keys
    }

    func offerInvalid(to adapter: IMAPAdapter) async throws {
        // Not mail at all: stored flagged `unparseable` and counted as rejected.
        try dovecot.deliverRaw(to: Self.user, bytes: Array("this is not a header field\r\n\r\nnor a body\r\n".utf8))
    }
}
