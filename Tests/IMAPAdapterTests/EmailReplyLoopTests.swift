import AsyncHTTPClient
import Foundation
import Hummingbird
import IMAPAdapter
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// The mail loop against real servers: a customer's mail arrives through Dovecot and opens
/// a case; resolving it sends the question over SMTP (a real aiosmtpd with STARTTLS and
/// AUTH) in her thread; it is delivered into her own Dovecot mailbox; her answer comes back
/// through IMAP and closes the case. The bytes on the wire are checked: headers, threading,
/// encoding.
@Suite struct EmailReplyLoopTests {
    static let deskToken = "mail-desk-token-000001"

    static func yaml(dovecot: DovecotFixture, smtp: SMTPFixture, data: String) -> String {
        """
        server: {port: 0}
        store: {path: \(data)}
        channels:
          - id: support-mail
            type: imap
            url: imap://127.0.0.1:\(dovecot.port)/INBOX
            username: mailloop
            password: mailloop-pw
            tls: none
            insecure: true
            backfill: 30d
            poll_interval: 200ms
            ca_file: \(dovecot.caFile)
            smtp:
              url: smtp://127.0.0.1:\(smtp.port)
              from: support@example.com
              from_name: Example Support
              username: \(smtp.username)
              password: \(smtp.password)
        cases:
          confirmation_question: "Did you get what you needed? Réponds YES ou NO — merci."
          rules:
            - {name: refunds, when: {text_contains: refund}, first_response: 1h}
        operators:
          - {name: desk, token: \(deskToken), scopes: [cases, send]}
        """
    }

    @Test func aCaseResolvedByEmailAsksInTheThreadAndHerYesClosesIt() async throws {
        let dovecot = DovecotFixture.shared
        let smtp = try SMTPFixture(dovecot: dovecot)
        defer { smtp.stop() }
        let data = NSTemporaryDirectory() + "lp-mailloop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let registry = AdapterRegistry([IMAPAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: Self.yaml(dovecot: dovecot, smtp: smtp, data: data))
        let gateway = try await Gateway.assemble(config: config, registry: registry, logger: Logger(label: "mailloop"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await gateway.application(onServerRunning: { portContinuation.yield($0) }).runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())

            // Her mail opens a case.
            try dovecot.deliver(
                to: "mailloop",
                messageId: "ann-refund-1@example.com",
                subject: "Refund for order 1187",
                body: "Please refund the second charge.",
                from: "Ann Lee <ann@example.com>"
            )
            var caseId: String?
            let deadline = ContinuousClock.now + .seconds(15)
            while caseId == nil, ContinuousClock.now < deadline {
                caseId = try await CaseLoopJourneyTests.call(port, .GET, "/v1/cases", token: Self.deskToken).json?["cases"]?.arrayValue?.first?
                    .objectValue?["id"]?.stringValue
                if caseId == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let id = try #require(caseId)

            // Resolving sends the question by email, in her thread.
            let resolved = try await CaseLoopJourneyTests.call(
                port,
                .POST,
                "/v1/cases/\(id)/resolve",
                ["root_cause": "double charge", "resolution": "refunded"],
                token: Self.deskToken
            )
            #expect(resolved.status == 200)
            let sent = try await smtp.waitFor(1)
            let mail = try #require(sent.first)
            #expect(mail.tls, "STARTTLS before anything else")
            #expect(mail.login == smtp.username)
            #expect(mail.mailFrom == "support@example.com")
            #expect(mail.recipients == ["ann@example.com"])
            #expect(mail.header("From") == "Example Support <support@example.com>")
            #expect(mail.header("To") == "<ann@example.com>")
            #expect(mail.header("Subject") == "Re: Refund for order 1187")
            #expect(mail.header("In-Reply-To") == "<ann-refund-1@example.com>")
            #expect(mail.header("References") == "<ann-refund-1@example.com>")
            #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
            let messageId = try #require(mail.header("Message-ID"))
            #expect(messageId.hasPrefix("<outbox.") && messageId.hasSuffix("@example.com>"))
            #expect(mail.body.contains("R=C3=A9ponds YES ou NO =E2=80=94 merci."), "\(mail.body)")
            // The server has the bytes a moment before the gateway has committed `sent`.
            var message: [String: JSONValue] = [:]
            let recorded = ContinuousClock.now + .seconds(10)
            while message["state"] != "sent", ContinuousClock.now < recorded {
                let outbox = try await CaseLoopJourneyTests.call(port, .GET, "/v1/outbox", token: Self.deskToken)
                message = outbox.json?["messages"]?.arrayValue?.first?.objectValue ?? [:]
                if message["state"] != "sent" { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(message["state"] == "sent")
            #expect(message["providerId"]?.stringValue == messageId)

            // Delivered into her own mailbox, it reads back as the question.
            try dovecot.deliverRaw(to: "annbox", bytes: mail.bytes)
            let delivered = try String(contentsOfFile: try #require(Self.newest(in: "\(dovecot.root)/mail/annbox/Maildir/new")), encoding: .utf8)
            #expect(delivered.contains("Message-ID: \(messageId)"))

            // Her answer, in the thread, comes back through IMAP and closes the case.
            try dovecot.deliverRaw(
                to: "mailloop",
                bytes: Array(
                    """
                    From: Ann Lee <ann@example.com>\r
                    To: support@example.com\r
                    Subject: Re: Re: Refund for order 1187\r
                    Message-ID: <ann-refund-2@example.com>\r
                    In-Reply-To: \(messageId)\r
                    References: <ann-refund-1@example.com> \(messageId)\r
                    Date: Tue, 01 Dec 2026 12:00:00 +0000\r
                    Content-Type: text/plain; charset=utf-8\r
                    \r
                    Yes, the refund arrived. Thanks!\r
                    \r
                    > Did you get what you needed?\r

                    """.utf8
                )
            )
            var state: JSONValue?
            let closing = ContinuousClock.now + .seconds(15)
            while state != "closed", ContinuousClock.now < closing {
                state = try await CaseLoopJourneyTests.call(port, .GET, "/v1/cases/\(id)", token: Self.deskToken).json?["state"]
                if state != "closed" { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(state == "closed")
        }
    }

    @Test func aRejectedRecipientIsDeadLetteredAndADeferredOneRetried() async throws {
        let dovecot = DovecotFixture.shared
        let smtp = try SMTPFixture(dovecot: dovecot)
        defer { smtp.stop() }
        let data = NSTemporaryDirectory() + "lp-mailfail-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let registry = AdapterRegistry([IMAPAdapter.self])
        let yaml = Self.yaml(dovecot: dovecot, smtp: smtp, data: data) + "\noutbox: {retry_schedule: [1s, 1s]}\n"
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        let gateway = try await Gateway.assemble(config: config, registry: registry, logger: Logger(label: "mailfail"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await gateway.application(onServerRunning: { portContinuation.yield($0) }).runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            func send(_ to: String) async throws -> String {
                let answer = try await CaseLoopJourneyTests.call(
                    port,
                    .POST,
                    "/v1/outbox",
                    ["to": ["email": .string(to)], "channel": "support-mail", "text": "Hello", "subject": "Your order"],
                    token: Self.deskToken,
                    key: to
                )
                return try #require(answer.json?["id"]?.stringValue)
            }
            let rejected = try await send("reject@example.org")
            let deferred = try await send("later@example.org")
            func state(_ id: String) async throws -> [String: JSONValue] {
                let list = try await CaseLoopJourneyTests.call(port, .GET, "/v1/outbox", token: Self.deskToken).json?["messages"]?.arrayValue ?? []
                return list.compactMap(\.objectValue).first { $0["id"]?.stringValue == id } ?? [:]
            }
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                if try await state(rejected)["state"] == "dead_lettered", try await state(deferred)["state"] == "sent" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let dead = try await state(rejected)
            #expect(dead["state"] == "dead_lettered")
            #expect(dead["deadReason"] == "permanent", "an SMTP 550 is final")
            #expect(dead["lastError"]?.stringValue?.contains("550") == true, "\(dead)")
            let later = try await state(deferred)
            #expect(later["state"] == "sent", "an SMTP 451 is retried")
            #expect(later["attempts"] == .number(2))
            #expect(smtp.received().map(\.recipients) == [["later@example.org"]])
            #expect(smtp.received().first?.header("Subject") == "Your order")
        }
    }

    static func newest(in directory: String) -> String? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.sorted().last.map { "\(directory)/\($0)" }
    }
}
