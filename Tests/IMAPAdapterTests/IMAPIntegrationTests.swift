import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import IMAPAdapter

/// Against a real Dovecot (``DovecotFixture``): delivery with IDLE and with polling, a
/// restart, a UIDVALIDITY change, the flags `after_commit` promises, a wrong password,
/// and imaps:// with a private CA.
@Suite(.serialized) struct IMAPIntegrationTests {
    let dovecot = DovecotFixture.shared

    static func adapter(
        _ yaml: String,
        sink: RecordingSink,
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws -> any ChannelAdapter {
        let registry = AdapterRegistry([IMAPAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        return try ChannelAssembly.instantiate(config, registry: registry) {
            .testing(channel: $0.identity, sink: sink, clock: SystemAdapterClock(), logger: logger)
        }[0].adapter
    }

    /// Runs the adapter in the background for the body.
    static func running<T>(_ adapter: any ChannelAdapter, _ body: () async throws -> T) async throws -> T {
        let task = Task { try await adapter.run() }
        defer { task.cancel() }
        return try await body()
    }

    /// Runs the adapter, which should fail; gives up after 30 s so a test cannot hang.
    static func runExpectingFailure(_ adapter: any ChannelAdapter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await adapter.run() }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw CancellationError()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Waits (up to `limit`) until the condition holds; returns how long it took.
    @discardableResult
    static func wait(upTo limit: Duration, _ condition: () -> Bool) async throws -> Duration {
        let start = ContinuousClock.now
        while !condition() {
            if ContinuousClock.now - start > limit { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return ContinuousClock.now - start
    }

    /// The key the adapter gives these bytes, wherever they sit.
    static func dedupKey(of eml: [UInt8]) -> String {
        EmailMessageMapper.message(from: eml, at: .init(mailbox: "INBOX", uidValidity: 1, uid: 1)).dedupKey
    }

    /// Waits until the adapter has committed its first checkpoint (it is then listening).
    static func ready(_ sink: RecordingSink) async throws {
        try await wait(upTo: .seconds(10)) { sink.checkpoint != nil }
        try await Task.sleep(for: .milliseconds(300))
    }

    /// With polling an hour apart, only IDLE can bring the mail within the wait; no bound
    /// tighter than that, so a loaded machine cannot fail it.
    @Test func idleHearsNewMailWithoutWaitingForAPoll() async throws {
        let sink = RecordingSink()
        try await Self.running(try Self.adapter(dovecot.yaml(user: "idle", extra: "    poll_interval: 1h"), sink: sink)) {
            try await Self.ready(sink)
            let eml = try dovecot.deliver(to: "idle", messageId: "idle-1@example.com", subject: "Where is my order?")
            #expect(Self.dedupKey(of: eml).hasPrefix("message-id:idle-1@example.com#"))
            let took = try await Self.wait(upTo: .seconds(10)) { sink.messages.count == 1 }
            #expect(sink.messages.count == 1, "IDLE did not bring the mail within \(took)")
        }
        let message = try #require(sink.messages.first)
        #expect(message.subject == "Where is my order?")
        #expect(message.author.email == "customer@example.com")
        #expect(message.dedupKey.hasPrefix("message-id:idle-1@example.com#"))
    }

    /// Without IDLE, mail arrives by polling: within a few 2-second intervals, where the
    /// default interval (5 s) or no polling at all would take longer or never come.
    @Test func pollingHearsNewMailWithinAFewIntervals() async throws {
        let sink = RecordingSink()
        let yaml = dovecot.yaml(user: "poll", extra: "    idle: false\n    poll_interval: 2s")
        try await Self.running(try Self.adapter(yaml, sink: sink)) {
            try await Self.ready(sink)
            try dovecot.deliver(to: "poll", messageId: "poll-1@example.com")
            let took = try await Self.wait(upTo: .seconds(10)) { sink.messages.count == 1 }
            #expect(sink.messages.count == 1)
            #expect(took < .seconds(4.5), "polling took \(took)")
        }
    }

    @Test func aRestartAfterAnOutageImportsEverythingOnce() async throws {
        let sink = RecordingSink()
        let yaml = dovecot.yaml(user: "restart")
        try await Self.running(try Self.adapter(yaml, sink: sink)) {
            try await Self.ready(sink)
            for index in 1...3 { try dovecot.deliver(to: "restart", messageId: "restart-\(index)@example.com") }
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 3 }
        }
        // Mail that arrives while the gateway is down.
        for index in 4...6 { try dovecot.deliver(to: "restart", messageId: "restart-\(index)@example.com") }
        let messageIds = { sink.messages.map { String($0.dedupKey.prefix { $0 != "#" }) }.sorted() }
        try await Task.sleep(for: .milliseconds(300))
        try await Self.running(try Self.adapter(yaml, sink: sink)) {
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count >= 6 }
            try await Task.sleep(for: .milliseconds(500))
        }
        // Each once; Dovecot numbers files delivered in the same second in directory order.
        #expect(messageIds() == (1...6).map { "message-id:restart-\($0)@example.com" })
    }

    @Test func aUIDValidityChangeLosesNothingAndRepeatsNothing() async throws {
        // A mailbox deleted and created again gets a new UIDVALIDITY, and its messages new UIDs.
        let admin = try connection(for: "validity")
        try admin.command("CREATE \"Support\"", timeout: .seconds(10))
        let sink = RecordingSink()
        let yaml = dovecot.yaml(user: "validity").replacingOccurrences(of: "/INBOX", with: "/Support")
        try await Self.running(try Self.adapter(yaml, sink: sink)) {
            try await Self.ready(sink)
            for index in 1...2 { try append(admin, messageId: "validity-\(index)@example.com") }
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 2 }
        }
        let before = try #require(IMAPSync.Checkpoint(sink.checkpoint))
        try await Task.sleep(for: .milliseconds(1100))
        try admin.command("DELETE \"Support\"", timeout: .seconds(10))
        try admin.command("CREATE \"Support\"", timeout: .seconds(10))
        for index in 1...3 { try append(admin, messageId: "validity-\(index)@example.com") }
        try await Self.running(try Self.adapter(yaml, sink: sink)) {
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count >= 3 }
            try await Task.sleep(for: .milliseconds(500))
        }
        let after = try #require(IMAPSync.Checkpoint(sink.checkpoint))
        #expect(after.uidValidity != before.uidValidity)
        #expect(after.lastUID == 3)
        #expect(sink.messages.map { String($0.dedupKey.prefix { $0 != "#" }) }.sorted() == (1...3).map { "message-id:validity-\($0)@example.com" })
    }

    func connection(for user: String) throws -> IMAPConnection {
        try IMAPConnection(
            .init(
                url: "imap://127.0.0.1:\(dovecot.port)/",
                username: user,
                password: "\(user)-pw",
                bearerToken: nil,
                requireTLS: false,
                caFile: nil,
                connectTimeout: .seconds(10),
                maxLiteralSize: 1 << 20
            )
        )
    }

    /// APPENDs without flags (a non-synchronising literal, RFC 7888), so the mail is unseen.
    func append(_ connection: IMAPConnection, messageId: String) throws {
        let eml = "From: customer@example.com\r\nSubject: Hi\r\nMessage-ID: <\(messageId)>\r\n\r\nHello\r\n"
        try connection.command("APPEND \"Support\" {\(eml.utf8.count)+}\r\n\(eml)", timeout: .seconds(10))
    }

    @Test func theDefaultLeavesMailUnreadAndFlagSeenMarksIt() async throws {
        for (user, afterCommit, seen) in [("flags", "nothing", false), ("seen", "flag_seen", true)] {
            let sink = RecordingSink()
            try await Self.running(try Self.adapter(dovecot.yaml(user: user, extra: "    after_commit: \(afterCommit)"), sink: sink)) {
                try await Self.ready(sink)
                try dovecot.deliver(to: user, messageId: "\(user)-1@example.com")
                try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 1 }
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(try flags(of: user).contains("\\Seen") == seen, "after_commit: \(afterCommit)")
        }
    }

    @Test func aWrongPasswordFailsClearlyAndRecoversOnceFixed() async throws {
        let sink = RecordingSink()
        let adapter = try Self.adapter(dovecot.yaml(user: "password"), sink: sink)
        do {
            try await Self.runExpectingFailure(adapter)
            Issue.record("logged in with a wrong password")
        } catch {
            #expect("\(error)".contains("INBOX on imap://127.0.0.1:\(dovecot.port)/ as password"))
            #expect("\(error)".contains("libcurl error 67"))
        }
        try await dovecot.setPassword(of: "password", to: "password-pw")
        try await Self.running(adapter) {
            try await Self.ready(sink)
            try dovecot.deliver(to: "password", messageId: "password-1@example.com")
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 1 }
        }
        #expect(sink.messages.count == 1)
    }

    /// XOAUTH2/OAUTHBEARER: libcurl logs in with the bearer token, which Dovecot checks
    /// with the fixture's introspection endpoint; an unknown token fails clearly, and the
    /// same adapter logs in once the token is granted (a refreshed token in production).
    @Test func aBearerTokenLogsInWithOAuth2() async throws {
        let yaml =
            "channels:\n  - id: mail\n    type: imap\n    url: imap://127.0.0.1:\(dovecot.port)/INBOX\n    username: oauth\n    bearer_token: ya29.test-token-0123\n    tls: none\n    insecure: true\n"
        let sink = RecordingSink()
        let adapter = try Self.adapter(yaml, sink: sink)
        do {
            try await Self.runExpectingFailure(adapter)
            Issue.record("logged in with a token the server does not know")
        } catch {
            #expect("\(error)".contains("libcurl error 67"), "\(error)")
            #expect(!"\(error)".contains("ya29.test-token-0123"), "the token is not in the error")
        }
        try dovecot.grantToken("ya29.test-token-0123", to: "oauth")
        try await Self.running(adapter) {
            try await Self.ready(sink)
            try dovecot.deliver(to: "oauth", messageId: "oauth-1@example.com")
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 1 }
        }
        #expect(sink.messages.map { String($0.dedupKey.prefix { $0 != "#" }) } == ["message-id:oauth-1@example.com"])
    }

    @Test func imapsWithAPrivateCA() async throws {
        let base =
            "channels:\n  - id: mail\n    type: imap\n    url: imaps://127.0.0.1:\(dovecot.tlsPort)/INBOX\n    username: tls\n    password: tls-pw\n"
        // Without the CA the certificate is refused.
        do {
            try await Self.runExpectingFailure(Self.adapter(base, sink: RecordingSink()))
            Issue.record("accepted an untrusted certificate")
        } catch {
            #expect("\(error)".contains("libcurl error 60"), "\(error)")
        }
        let sink = RecordingSink()
        try await Self.running(try Self.adapter(base + "    ca_file: \(dovecot.caFile)\n", sink: sink)) {
            try await Self.ready(sink)
            try dovecot.deliver(to: "tls", messageId: "tls-1@example.com")
            try await Self.wait(upTo: .seconds(5)) { sink.messages.count == 1 }
        }
        #expect(sink.messages.count == 1)
    }

    /// The message's flags, read with a connection of our own.
    func flags(of user: String) throws -> String {
        let connection = try connection(for: user)
        try connection.command("EXAMINE INBOX", timeout: .seconds(10))
        let answer = try connection.command("UID FETCH 1:* (FLAGS)", timeout: .seconds(10))
        return answer.responses.map { "\($0)" }.joined()
    }
}
