import AsyncHTTPClient
import Foundation
import Hummingbird
import IMAPAdapter
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostServer
import ListeningPostStore
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import SMSAdapter

/// The whole loop for one customer, end to end: a survey goes out by SMS, her detractor
/// reply (signed as Twilio signs) opens a case, a person records a response and resolves
/// it through the API, the gateway asks whether she got what she needed, and her "yes"
/// by email, through a real Dovecot, closes the case; the loop metrics count all of it.
///
/// It lives with the IMAP tests because one test process runs one Dovecot.
@Suite struct CaseLoopJourneyTests {
    static let twilioToken = "loop-twilio-token-0001"
    static let readerToken = "loop-reader-token-0001"
    static let deskToken = "loop-desk-token-00001"

    static func yaml(dovecot: DovecotFixture, data: String) -> String {
        """
        server: {port: 0}
        store: {path: \(data)}
        channels:
          - id: support-mail
            type: imap
            url: imap://127.0.0.1:\(dovecot.port)/INBOX
            username: loop
            password: loop-pw
            tls: none
            insecure: true
            backfill: 30d
            poll_interval: 200ms
          - id: sms-replies
            type: sms
            provider: twilio
            path: /hooks/twilio
            twilio:
              auth_token: \(twilioToken)
              public_url: https://sms.example.com/hooks/twilio
        customers:
          inline:
            - id: cus_ann
              emails: [ann@example.com]
              phones: ["+447700900123"]
              attributes: {tier: gold}
        segments:
          - name: gold
            when: {attribute: {tier: gold}}
            preferred_channel: sms-replies
            response_target: 1h
          - name: standard
        cases:
          rules:
            - name: detractor-follow-up
              when: {feedback: detractor}
        subscribers:
          - name: reader
            token: \(readerToken)
            streams: "*"
        operators:
          - name: desk
            token: \(deskToken)
            scopes: [cases, prompts]
        """
    }

    @Test func aDetractorSMSIsFollowedUpResolvedAndClosedByHerYesByEmail() async throws {
        let dovecot = DovecotFixture.shared
        let data = NSTemporaryDirectory() + "lp-loop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let registry = AdapterRegistry([IMAPAdapter.self, SMSAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: Self.yaml(dovecot: dovecot, data: data))
        let gateway = try await Gateway.assemble(config: config, registry: registry, logger: Logger(label: "loop"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await gateway.application(onServerRunning: { portContinuation.yield($0) }).runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())

            // 1. The survey went out by SMS; her reply scores 3.
            let prompt = try await Self.call(
                port,
                .POST,
                "/v1/survey-prompts",
                ["channel": "sms-replies", "survey": "q4", "to": ["phone": "+447700900123"]]
            )
            #expect(prompt.status == 202)
            let parameters = [
                ("MessageSid", "SMloop00000000000000000000000000001"), ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
                ("From", "+447700900123"), ("To", "+14155550100"), ("Body", "3 - charged twice and nobody called back"), ("NumMedia", "0"),
            ]
            let form = parameters.map { "\($0.0)=\(CustomerJourneyTests.formEscape($0.1))" }.joined(separator: "&")
            let signature = TwilioSignature.sign(
                url: "https://sms.example.com/hooks/twilio",
                parameters: parameters.map { (name: $0.0, value: $0.1) },
                authToken: Self.twilioToken
            )
            let sms = try await CustomerJourneyTests.post(
                port,
                "/hooks/twilio",
                body: Array(form.utf8),
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Twilio-Signature", signature)]
            )
            #expect(sms == 200)

            // 2. Its case is open, acknowledged together with the message.
            let queue = try await Self.call(port, .GET, "/v1/cases")
            let listed = try #require(queue.json?["cases"]?.arrayValue?.first?.objectValue)
            let id = try #require(listed["id"]?.stringValue)
            #expect(listed["customer"]?.objectValue?["id"] == "cus_ann")
            #expect(listed["openingScore"] == .number(3))
            #expect(listed["segment"] == "gold")
            #expect(listed["preferredChannel"] == "sms-replies")
            #expect(listed["targets"]?.arrayValue?.first?.objectValue?["seconds"] == .number(3600), "the segment's response target")
            // A stream reader cannot work cases.
            #expect(try await Self.call(port, .POST, "/v1/cases/\(id)/assign", ["owner": "maria"], token: Self.readerToken).status == 401)

            // 3. Maria takes it, answers, resolves.
            #expect(try await Self.call(port, .POST, "/v1/cases/\(id)/assign", ["owner": "maria"]).status == 200)
            let responded = try await Self.call(
                port,
                .POST,
                "/v1/cases/\(id)/responses",
                ["text": "Sorry Ann, refunding the second charge now."],
                key: "resp-1"
            )
            #expect(responded.json?["case"]?.objectValue?["firstResponseWithinTarget"] == .bool(true))
            #expect(
                try await Self.call(port, .POST, "/v1/cases/\(id)/responses", ["text": "Sorry Ann, refunding the second charge now."], key: "resp-1")
                    .json?["duplicate"] == .bool(true)
            )
            let resolved = try await Self.call(
                port,
                .POST,
                "/v1/cases/\(id)/resolve",
                ["root_cause": "payment retried twice", "resolution": "refunded the duplicate"]
            )
            #expect(resolved.json?["case"]?.objectValue?["state"] == "resolved")

            // 4. The question is on the `cases` stream for a sender, on her preferred channel.
            let caseEvents = try await gateway.hub.entries(stream: CaseEvent.stream, after: 0, limit: 50).compactMap { CaseEvent(event: $0.payload) }
            let question = try #require(caseEvents.first { $0.kind == .confirmationRequested })
            #expect(question.details["channel"] == "sms-replies")
            #expect(question.details["question"] == .string(config.cases.confirmationQuestion))

            // 5. She answers by email.
            try dovecot.deliver(
                to: "loop",
                messageId: "loop-yes-1@example.com",
                subject: "Re: your refund",
                body: "Yes, got the refund, thanks!\n\nOn Tue, Support wrote:\n> Did you get what you needed?",
                from: "Ann <ann@example.com>"
            )
            let deadline = ContinuousClock.now + .seconds(15)
            var state: JSONValue?
            while ContinuousClock.now < deadline {
                state = try await Self.call(port, .GET, "/v1/cases/\(id)").json?["state"]
                if state == "closed" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let detail = try await Self.call(port, .GET, "/v1/cases/\(id)")
            #expect(detail.json?["state"] == "closed")
            #expect(detail.json?["outcome"] == "confirmed")
            let types = detail.json?["timeline"]?.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue } ?? []
            #expect(
                types
                    == ["opened", "assigned", "responded", "resolved", "confirmation_requested", "confirmed", "closed"].map {
                        "com.listeningpost.case.\($0).v1"
                    }
            )
            let confirmed = detail.json?["timeline"]?.arrayValue?.first { $0.objectValue?["type"] == "com.listeningpost.case.confirmed.v1" }
            #expect(confirmed?.objectValue?["data"]?.objectValue?["details"]?.objectValue?["messageChannel"] == "support-mail")

            // 6. The loop metrics count it.
            let loop = try await Self.call(port, .GET, "/v1/loop?group_by=segment&window=1d")
            let row = try #require(loop.json?["rows"]?.arrayValue?.first?.objectValue)
            #expect(row["group"]?.objectValue?["segment"] == "gold")
            #expect(row["cases"] == .number(1))
            #expect(row["detractors"] == .number(1))
            #expect(row["detractorCoverage"] == .number(1))
            #expect(row["withinTarget"]?.objectValue?["share"] == .number(1))
            #expect(row["closed"]?.objectValue?["confirmed"] == .number(1))
            #expect(row["closed"]?.objectValue?["confirmedShare"] == .number(1))
        }
    }

    /// A JSON call with the desk's token (or another), answered with the status and object.
    static func call(
        _ port: Int,
        _ method: HTTPMethod,
        _ path: String,
        _ body: JSONValue? = nil,
        token: String = deskToken,
        key: String? = nil
    ) async throws -> (status: Int, json: [String: JSONValue]?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.compactJSON()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), (try? JSONValue.parse(Array(bytes.readableBytesView)))?.objectValue)
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
