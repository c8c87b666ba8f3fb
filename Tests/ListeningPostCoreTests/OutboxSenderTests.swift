import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore
import ListeningPostTesting
import Logging
import Synchronization
import Testing

/// Outbox senders over the real log, with channel senders that record what they are handed.
@Suite struct OutboxSenderTests {
    final class Recorder: ChannelSender {
        let sent = Mutex<[String]>([])
        var canSend: Bool { true }
        func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
            sent.withLock { $0.append(message.text) }
            return SendReceipt(providerId: "p-\(message.id)")
        }
    }

    /// Two channels' senders share one outbox: each must wake for its own messages (a
    /// shared wake-up once woke only one of them, and the other never sent; bench/outbox.sh
    /// found it).
    @Test func everyChannelsSenderWakesForItsMessages() async throws {
        let projection = OutboxProjection()
        let directory = TemporaryDirectory.make("lp-outbox")
        let log = try await SQLiteEventLog.open(directory: directory, logger: Logger(label: "t"), onCommit: { projection.committed($0) })
        let mail = Recorder()
        let sms = Recorder()
        let senders = [("mail", mail), ("sms", sms)].map {
            OutboxSender(channel: $0.0, sender: $0.1, projection: projection, log: log, logger: Logger(label: "t"))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await log.run() }
            for sender in senders { group.addTask { try await sender.run() } }
            defer { group.cancelAll() }
            // Let both senders go to sleep first: the wake-up is what is under test.
            try await Task.sleep(for: .milliseconds(200))
            let ids = EventIDGenerator()
            for (index, channel) in ["mail", "sms", "mail", "sms"].enumerated() {
                let to = channel == "sms" ? Author(phone: "+44770090012\(index)") : Author(email: "c\(index)@example.org")
                let event = OutboxAddressing.queued(
                    id: ids.next(),
                    channel: channel,
                    to: to,
                    customer: nil,
                    text: "\(channel) \(index)",
                    subject: nil,
                    source: "api",
                    now: Date(),
                    ids: ids
                )
                _ = try await log.append(
                    AppendRequest(channel: OutboxEvent.logChannel, events: [OutboxProjection.prepared(event, dedupKey: "k\(index)")])
                )
            }
            // Sent means the outcome is committed too, a moment after the provider's answer.
            let allSent = { projection.read { book in book.items.count == 4 && book.items.values.allSatisfy { $0.state == .sent } } }
            let deadline = ContinuousClock.now + .seconds(15)
            while !allSent(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(mail.sent.withLock { $0 } == ["mail 0", "mail 2"])
            #expect(sms.sent.withLock { $0 } == ["sms 1", "sms 3"])
            #expect(allSent())
        }
    }
}
