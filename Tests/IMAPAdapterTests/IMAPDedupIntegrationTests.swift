import Foundation
import ListeningPostKit
import ListeningPostTesting
import TestSupport
import Testing

@testable import IMAPAdapter

/// Dedup against a real Dovecot: mails that share a Message-ID, a mail delivered twice
/// along two paths, and a data directory written by an earlier release (whose keys were
/// the Message-ID alone) that must not be imported again.
@Suite(.serialized) struct IMAPDedupIntegrationTests {
    let dovecot = DovecotFixture.shared

    static func mails() throws -> [String: [UInt8]] {
        let url = try #require(MessageIdentityGoldenTests.fixtures.first { $0.lastPathComponent == "shared-message-id.txt" })
        return Dictionary(uniqueKeysWithValues: try MessageIdentityGoldenTests.read(url).mails.map { ($0.name, $0.bytes) })
    }

    @Test func twoMailsSharingAMessageIDAreTwoEventsAndARedeliveryIsNone() async throws {
        let mails = try Self.mails()
        let sink = RecordingSink()
        let yaml = dovecot.yaml(user: "collide")
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await IMAPIntegrationTests.ready(sink)
            for name in ["first", "second", "first-redelivered"] { try dovecot.deliverRaw(to: "collide", bytes: mails[name]!) }
            try await IMAPIntegrationTests.wait(upTo: .seconds(5)) { sink.checkpoint?.hasSuffix(":3") == true }
        }
        #expect(sink.messages.count == 2)
        #expect(Set(sink.messages.map(\.text)).count == 2, "the correction is its own event")

        // Neither a restart nor a new UIDVALIDITY (every message read again) adds any.
        try await Task.sleep(for: .milliseconds(1100))
        try dovecot.resetUIDValidity(of: "collide")
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await IMAPIntegrationTests.wait(upTo: .seconds(5)) { IMAPSync.Checkpoint(sink.checkpoint)?.lastUID == 3 }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(IMAPSync.Checkpoint(sink.checkpoint)?.rescanThrough == nil)
        #expect(sink.messages.count == 2)
    }

    /// The review's case: 49 distinct mails of which 5 reuse another's Message-ID (as list
    /// software and re-sending tools do) are 49 events, and a restart adds none.
    @Test func fortyNineDistinctMailsWithFiveReusedIdsAreFortyNineEvents() async throws {
        let sink = RecordingSink()
        let yaml = dovecot.yaml(user: "corpus")
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await IMAPIntegrationTests.ready(sink)
            for index in 0..<49 {
                // Mails 44…48 reuse the ids of mails 0…4, with a body of their own.
                let id = index < 44 ? "corpus-\(index)@example.com" : "corpus-\(index - 44)@example.com"
                try dovecot.deliver(to: "corpus", messageId: id, subject: "Corpus \(index)", body: "Message number \(index)")
            }
            try await IMAPIntegrationTests.wait(upTo: .seconds(10)) { sink.messages.count >= 49 }
        }
        #expect(sink.messages.count == 49)
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await Task.sleep(for: .seconds(1))
        }
        #expect(sink.messages.count == 49, "a restart adds none")
    }

    /// An earlier release stored these mails under `message-id:<id>` with a `v1:` checkpoint.
    /// The upgraded gateway reads that checkpoint and imports nothing; after a UIDVALIDITY
    /// change it recognises the old keys; and a new mail that only shares a Message-ID with
    /// an old one is stored.
    @Test func aDataDirectoryFromAnEarlierReleaseIsNotImportedAgain() async throws {
        let yaml = dovecot.yaml(user: "upgrade")
        let learn = RecordingSink()
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: learn)) {
            try await IMAPIntegrationTests.ready(learn)
            for index in 1...3 { try dovecot.deliver(to: "upgrade", messageId: "old-\(index)@example.com", body: "Old message \(index)") }
            try await IMAPIntegrationTests.wait(upTo: .seconds(5)) { learn.messages.count == 3 }
        }
        let checkpoint = try #require(learn.checkpoint)

        // What the earlier release left: the same mails under their legacy keys.
        let sink = RecordingSink()
        let legacy = (1...3).map { InboundMessage(dedupKey: "message-id:old-\($0)@example.com", text: "Old message \($0)") }
        _ = try await sink.submit(legacy, checkpoint: checkpoint)

        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await Task.sleep(for: .seconds(1))
        }
        #expect(sink.messages.count == 3, "the upgrade imported the mailbox again")

        try await Task.sleep(for: .milliseconds(1100))
        try dovecot.resetUIDValidity(of: "upgrade")
        try await IMAPIntegrationTests.running(try IMAPIntegrationTests.adapter(yaml, sink: sink)) {
            try await IMAPIntegrationTests.wait(upTo: .seconds(5)) { IMAPSync.Checkpoint(sink.checkpoint)?.lastUID == 3 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(sink.messages.count == 3, "the re-read stored old mails again")
            try dovecot.deliver(to: "upgrade", messageId: "old-1@example.com", body: "A different mail under an old id")
            try await IMAPIntegrationTests.wait(upTo: .seconds(5)) { sink.messages.count == 4 }
        }
        #expect(sink.messages.count == 4)
        #expect(sink.messages.last?.text == "A different mail under an old id")
    }
}
