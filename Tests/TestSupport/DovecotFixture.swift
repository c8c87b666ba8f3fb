import Foundation
import Synchronization

/// A real Dovecot for the IMAP tests, started once per test process by
/// scripts/dovecot-fixture.sh (in a root of its own, on ports of its own) and stopped when
/// the process exits. Each test uses its own user, so tests do not see each other's mail.
public final class DovecotFixture: Sendable {
    static let users = [
        "idle", "poll", "restart", "validity", "flags", "seen", "password", "tls", "move", "journey", "conformance", "oauth", "collide", "upgrade",
        "corpus", "loop", "mailloop", "annbox", "failover",
    ]

    public let root: String
    public let port: Int
    public let tlsPort: Int
    public let caFile: String

    public static let shared: DovecotFixture = {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let root = "/tmp/lp-dovecot-\(pid)"
        let port = 20_000 + pid % 10_000
        let fixture = DovecotFixture(root: root, port: port, tlsPort: port + 10_000, caFile: "\(root)/tls/ca.pem")
        fixture.script("start", fresh: true)
        stopCommand = "DOVECOT_ROOT=\(root) \(scriptPath) stop >/dev/null 2>&1; rm -rf \(root)"
        atexit { _ = system(DovecotFixture.stopCommand) }
        return fixture
    }()

    nonisolated(unsafe) static var stopCommand = ""
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/dovecot-fixture.sh").path

    private init(root: String, port: Int, tlsPort: Int, caFile: String) {
        self.root = root
        self.port = port
        self.tlsPort = tlsPort
        self.caFile = caFile
    }

    private func script(_ action: String, fresh: Bool) {
        // system(), not Process: the daemon Dovecot leaves behind inherits Foundation's
        // termination pipe, and Process.waitUntilExit would then wait forever.
        // "password" starts with a password other than the one its test configures.
        let users = Self.users.map { $0 == "password" ? "password:not-the-configured-one" : "\($0):\($0)-pw" }.joined(separator: " ")
        let command =
            "DOVECOT_ROOT=\(root) DOVECOT_PORT=\(port) DOVECOT_TLS_PORT=\(tlsPort) DOVECOT_USERS='\(users)' DOVECOT_FRESH=\(fresh ? 1 : 0) bash \(Self.scriptPath) \(action) >/dev/null 2>&1"
        _ = system(command)
    }

    /// Drops a message into the user's Maildir/new, as a delivery agent would.
    /// Returns the bytes delivered.
    @discardableResult
    public func deliver(
        to user: String,
        messageId: String,
        subject: String = "Test",
        body: String = "Hello",
        from: String = "customer@example.com"
    ) throws -> [UInt8] {
        let eml =
            "From: \"Customer\" <\(from)>\r\nTo: \(user)@example.com\r\nSubject: \(subject)\r\nMessage-ID: <\(messageId)>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n"
        let directory = "\(root)/mail/\(user)/Maildir"
        let name = "\(Int(Date().timeIntervalSince1970)).M\(UInt32.random(in: 0...UInt32.max))P\(ProcessInfo.processInfo.processIdentifier).fixture"
        // Written in tmp/ and renamed, so Dovecot never sees half a file.
        try Data(eml.utf8).write(to: URL(fileURLWithPath: "\(directory)/tmp/\(name)"))
        try FileManager.default.moveItem(atPath: "\(directory)/tmp/\(name)", toPath: "\(directory)/new/\(name)")
        return Array(eml.utf8)
    }

    /// Makes `token` a valid OAuth 2.0 access token for `user` (XOAUTH2/OAUTHBEARER), as
    /// the fixture's introspection endpoint answers Dovecot.
    public func grantToken(_ token: String, to user: String) throws {
        let path = "\(root)/tokens"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try (existing + "\(token) \(user)\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Drops raw bytes into the user's Maildir/new: for mail that is not mail.
    public func deliverRaw(to user: String, bytes: [UInt8]) throws {
        let directory = "\(root)/mail/\(user)/Maildir"
        let name = "\(Int(Date().timeIntervalSince1970)).M\(UInt32.random(in: 0...UInt32.max))P\(ProcessInfo.processInfo.processIdentifier).raw"
        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/tmp/\(name)"))
        try FileManager.default.moveItem(atPath: "\(directory)/tmp/\(name)", toPath: "\(directory)/new/\(name)")
    }

    /// Makes Dovecot forget the mailbox's UIDs, so it assigns a new UIDVALIDITY.
    public func resetUIDValidity(of user: String) throws {
        let directory = "\(root)/mail/\(user)/Maildir"
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasPrefix("dovecot") {
            try FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Changes a user's password. Dovecot rereads passwd-file when its mtime changes, in
    /// whole seconds, so this waits for the next second first.
    public func setPassword(of user: String, to password: String) async throws {
        try await Task.sleep(for: .milliseconds(1100))
        let path = "\(root)/users"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            line.hasPrefix("\(user):") ? "\(user):{PLAIN}\(password)::::::" : String(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    public func yaml(user: String, extra: String = "") -> String {
        """
        channels:
          - id: mail
            type: imap
            url: imap://127.0.0.1:\(port)/INBOX
            username: \(user)
            password: \(user)-pw
            tls: none
            insecure: true
        \(extra)
        """
    }
}
