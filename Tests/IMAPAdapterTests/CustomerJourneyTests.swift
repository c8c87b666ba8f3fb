import AsyncHTTPClient
import DiscourseAdapter
import Foundation
import Hummingbird
import IMAPAdapter
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostStore
import Logging
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import SMSAdapter

/// One customer through three listening posts: an email into a real Dovecot, then an SMS
/// from their phone (signed as Twilio signs), then a forum post with their handle (signed
/// as Discourse signs). All three must carry the same customer and segment, reach the
/// streams the routes name, and be pushed to a webhook subscriber that fails its first
/// three attempts, in order, once each.
///
/// It lives with the IMAP tests because one test process runs one Dovecot.
@Suite struct CustomerJourneyTests {
    static let twilioToken = "journey-twilio-token-0001"
    static let discourseSecret = "journey-discourse-secret"
    static let pushSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let readerToken = "journey-reader-token-0001"

    static func yaml(dovecot: DovecotFixture, data: String, receiverPort: Int) -> String {
        """
        server: {port: 0}
        store: {path: \(data)}
        channels:
          - id: support-mail
            type: imap
            url: imap://127.0.0.1:\(dovecot.port)/INBOX
            username: journey
            password: journey-pw
            tls: none
            insecure: true
            backfill: 30d
          - id: sms-replies
            type: sms
            provider: twilio
            path: /hooks/twilio
            twilio:
              auth_token: \(twilioToken)
              public_url: https://sms.example.com/hooks/twilio
          - id: community
            type: discourse
            base_url: https://forum.example.com
            webhook:
              path: /hooks/discourse
              secret: \(discourseSecret)
        customers:
          inline:
            - id: cus_ann
              emails: [ann@example.com]
              phones: ["+447700900123"]
              handles: {community: ann_l}
              attributes: {tier: gold}
        segments:
          - name: gold
            when: {attribute: {tier: gold}}
            preferred_channel: sms-replies
            response_target: 1h
          - name: standard
        streams: [escalations, gold-sms]
        routes:
          - name: detractors
            when: {feedback: detractor}
            to: escalations
          - name: gold-who-prefer-sms
            when: {segment: gold, preferred_channel: sms-replies}
            to: gold-sms
        subscribers:
          - name: reader
            token: \(readerToken)
            streams: "*"
          - name: crm
            token: journey-crm-token-0001
            streams: [gold-sms]
            webhook:
              url: http://127.0.0.1:\(receiverPort)/hook
              secret: \(pushSecret)
              retry_schedule: [50ms, 50ms, 50ms, 50ms]
        """
    }

    @Test func oneCustomerAcrossEmailSMSAndForum() async throws {
        let dovecot = DovecotFixture.shared
        let data = NSTemporaryDirectory() + "lp-journey-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let receiver = try WebhookReceiver(secret: Self.pushSecret, failFirst: 3)
        try await receiver.serve { receiverPort in
            let registry = AdapterRegistry([IMAPAdapter.self, SMSAdapter.self, DiscourseAdapter.self])
            let config = try ConfigLoader(registry: registry, environment: [:]).load(
                text: Self.yaml(dovecot: dovecot, data: data, receiverPort: receiverPort)
            )
            let gateway = try await Gateway.assemble(config: config, registry: registry, logger: Logger(label: "journey"))
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await gateway.application(onServerRunning: { portContinuation.yield($0) }).runService() }
                defer { group.cancelAll() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())

                // 1. An email.
                try dovecot.deliver(
                    to: "journey",
                    messageId: "journey-1@example.com",
                    subject: "Invoice question",
                    body: "Why was I charged twice?",
                    from: "Ann.Lee <Ann@Example.com>"
                )
                try await Self.waitForHead(gateway, stream: "gold-sms", atLeast: 1)

                // 2. An SMS from her phone.
                let parameters = [
                    ("MessageSid", "SMjourney0000000000000000000000001"), ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
                    ("From", "+447700900123"), ("To", "+14155550100"), ("Body", "Still charged twice, please call me"), ("NumMedia", "0"),
                ]
                let form = parameters.map { "\($0.0)=\(Self.formEscape($0.1))" }.joined(separator: "&")
                let signature = TwilioSignature.sign(
                    url: "https://sms.example.com/hooks/twilio",
                    parameters: parameters.map { (name: $0.0, value: $0.1) },
                    authToken: Self.twilioToken
                )
                let sms = try await Self.post(
                    port,
                    "/hooks/twilio",
                    body: Array(form.utf8),
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Twilio-Signature", signature)]
                )
                #expect(sms == 200)
                try await Self.waitForHead(gateway, stream: "gold-sms", atLeast: 2)

                // 3. A forum post with her handle.
                let post =
                    #"{"post":{"id":9001,"username":"Ann_L","name":"Ann Lee","user_id":77,"created_at":"2026-11-23T09:00:00.000Z","updated_at":"2026-11-23T09:00:00.000Z","cooked":"<p>Is double billing a known bug?</p>","post_number":1,"topic_id":420,"topic_title":"Double billing","category_id":4}}"#
                let forum = try await Self.post(
                    port,
                    "/hooks/discourse",
                    body: Array(post.utf8),
                    headers: [
                        ("Content-Type", "application/json"), ("X-Discourse-Event", "post_created"), ("X-Discourse-Event-Type", "post"),
                        ("X-Discourse-Event-Signature", "sha256=" + HMACSignature.sha256Hex(secret: Self.discourseSecret, body: Array(post.utf8))),
                    ]
                )
                #expect(forum == 200)
                try await Self.waitForHead(gateway, stream: "gold-sms", atLeast: 3)

                let entries = try await gateway.hub.entries(stream: "gold-sms", after: 0, limit: 10)
                let events = try entries.map { try MessageEvent.decode($0.payload) }
                #expect(events.map(\.channel) == ["support-mail", "sms-replies", "community"])
                #expect(events.allSatisfy { $0.data.customer == CustomerReference(id: "cus_ann", provisional: false) })
                #expect(events.allSatisfy { $0.segment == "gold" && $0.data.segment == "gold" })
                #expect(events.allSatisfy { $0.data.preferredChannel == "sms-replies" && $0.data.responseTarget?.seconds == 3600 })
                for event in events {
                    #expect(try await Self.streams(of: event.id, in: gateway) == ["all", event.channel, "gold-sms"].sorted())
                }

                // The push subscriber failed three times and still got all three, in order, once.
                let deadline = ContinuousClock.now + .seconds(10)
                while receiver.taken.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                try await Task.sleep(for: .milliseconds(300))
                #expect(receiver.taken.map(\.webhookId) == events.map(\.id))
                #expect(receiver.attempts == 6)
                #expect(receiver.badSignatures == 0)
            }
        }
    }

    static func waitForHead(_ gateway: Gateway, stream: String, atLeast offset: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await gateway.hub.head(stream: stream) < offset {
            guard ContinuousClock.now < deadline else {
                Issue.record("stream \(stream) never reached offset \(offset)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Every stream the event is in (each stream's entries are small here).
    static func streams(of eventId: String, in gateway: Gateway) async throws -> [String] {
        var found: [String] = []
        for stream in gateway.streamNames.sorted()
        where try await gateway.hub.entries(stream: stream, after: 0, limit: 100).contains(where: { $0.eventId == eventId }) {
            found.append(stream)
        }
        return found
    }

    static func post(_ port: Int, _ path: String, body: [UInt8], headers: [(String, String)]) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text)
    }
}
