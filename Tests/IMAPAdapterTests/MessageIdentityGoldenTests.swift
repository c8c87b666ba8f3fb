import Foundation
import ListeningPostKit
import Testing

@testable import IMAPAdapter

/// Several mails in, their dedup keys out. Each file under Fixtures/dedup holds `# same:`
/// and `# different:` lines naming mails that must (or must not) share a key, the mails
/// (each after `=== name`), a `----------` line, and the expected `name key` lines.
/// `UPDATE_GOLDEN=1 swift test --filter MessageIdentityGoldenTests` rewrites the keys; the
/// same/different lines are the claims, and no rewrite changes them.
@Suite struct MessageIdentityGoldenTests {
    static let fixtures = EndpointFixtures.files("Fixtures/dedup")

    struct Fixture {
        var same: [[String]] = []
        var different: [[String]] = []
        var mails: [(name: String, bytes: [UInt8])] = []
        var expected: String
        var head: String
    }

    static func read(_ url: URL) throws -> Fixture {
        let content = try String(contentsOf: url, encoding: .utf8)
        let halves = content.components(separatedBy: "\n----------\n")
        var fixture = Fixture(expected: halves.dropFirst().joined().trimmingCharacters(in: .whitespacesAndNewlines), head: halves[0])
        var current: (name: String, lines: [String])?
        func finish() {
            if let mail = current { fixture.mails.append((mail.name, MIMEGoldenTests.crlf(Array(mail.lines.joined(separator: "\n").utf8)))) }
        }
        for line in halves[0].components(separatedBy: "\n") {
            if line.hasPrefix("=== ") {
                finish()
                current = (String(line.dropFirst(4)), [])
            } else if current != nil {
                current?.lines.append(line)
            } else if line.hasPrefix("# same:") {
                fixture.same.append(line.dropFirst(7).split(separator: " ").map(String.init))
            } else if line.hasPrefix("# different:") {
                fixture.different.append(line.dropFirst(12).split(separator: " ").map(String.init))
            }
        }
        finish()
        return fixture
    }

    @Test(arguments: fixtures)
    func keysMatchGoldenAndClaims(_ url: URL) throws {
        let fixture = try Self.read(url)
        var keys: [String: String] = [:]
        for (uid, mail) in fixture.mails.enumerated() {
            // Each copy at another UID and UIDVALIDITY: where it sits must not matter.
            keys[mail.name] =
                EmailMessageMapper.message(from: mail.bytes, at: .init(mailbox: "INBOX", uidValidity: UInt32(7 + uid), uid: UInt32(42 + uid)))
                .dedupKey
        }
        for group in fixture.same {
            #expect(Set(group.map { keys[$0] ?? "missing \($0)" }).count == 1, "\(url.lastPathComponent): \(group) must share one key")
        }
        for group in fixture.different {
            #expect(Set(group.map { keys[$0] ?? "missing \($0)" }).count == group.count, "\(url.lastPathComponent): \(group) must all differ")
        }
        let actual = fixture.mails.map { "\($0.name) \(keys[$0.name]!)" }.joined(separator: "\n")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dedup/\(url.lastPathComponent)")
            try (fixture.head + "\n----------\n" + actual + "\n").write(to: source, atomically: true, encoding: .utf8)
        }
        #expect(actual == fixture.expected, "\(url.lastPathComponent)")
    }

    @Test func legacyKeyIsTheMessageIdAlone() {
        #expect(MessageIdentity.legacyDedupKey(for: "message-id:a#b@example.com#0123456789abcdef0123456789abcdef") == "message-id:a#b@example.com")
        #expect(MessageIdentity.legacyDedupKey(for: "content:0123456789abcdef0123456789abcdef") == nil)
        #expect(MessageIdentity.legacyDedupKey(for: "uid:7:42") == nil)
    }

    @Test func checkpointKeepsItsRescanBoundUntilPassed() {
        let saved = IMAPSync.Checkpoint("v1:9:0:120")
        #expect(saved == IMAPSync.Checkpoint(uidValidity: 9, lastUID: 0, rescanThrough: 120))
        #expect(saved?.advanced(to: 100).text == "v1:9:100:120")
        #expect(saved?.advanced(to: 120).text == "v1:9:120")
        // What earlier releases wrote still reads, and reads as no rescan.
        #expect(IMAPSync.Checkpoint("v1:9:57") == IMAPSync.Checkpoint(uidValidity: 9, lastUID: 57))
        #expect(IMAPSync.Checkpoint("v1:9:57:x") == nil)
    }
}
