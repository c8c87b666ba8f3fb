import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import NIOCore
import Synchronization
import TestSupport
import Testing

/// The outbox's other roads, against the binary: a template rendered with the case and its
/// segment; a survey sent through the outbox becoming the prompt her reply is scored
/// against; `in_reply_to`; the channel a customer last wrote on when nothing says where to
/// answer; a generic SMS gateway described in YAML (its 503 retried); and an exec plugin
/// that sends (protocol v2), its `send_failed` dead-lettered with its words.
@Suite(.serialized) struct OutboxPathsTests {
    static let senderToken = "outbox-paths-token-0123"
    static let gatewayToken = "sms-gateway-token-0123"

    /// A local SMS gateway: takes JSON `{to, body, ref}` with a bearer token, answers
    /// `{"message_id": …}`; a number it fails once with 503.
    final class FakeGateway: Sendable {
        struct Seen: Sendable, Equatable {
            var to: String
            var body: String
            var ref: String
            var idempotencyKey: String?
        }
        let seen = Mutex<[Seen]>([])
        let malformed = Mutex<[String]>([])
        let unavailableOnce = Mutex<Set<String>>(["+447700900777"])

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/api/send") { request, _ -> Response in
                guard request.headers[.authorization] == "Bearer \(OutboxPathsTests.gatewayToken)",
                    request.headers[.contentType] == "application/json"
                else {
                    self.malformed.withLock { $0.append("auth or type") }
                    return Response(status: .unauthorized)
                }
                let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
                guard case .object(let body)? = try? JSONValue.parse(bytes), Set(body.keys) == ["to", "body", "ref"],
                    let to = body["to"]?.stringValue, let text = body["body"]?.stringValue, let ref = body["ref"]?.stringValue
                else {
                    self.malformed.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
                    return Response(status: .badRequest)
                }
                if self.unavailableOnce.withLock({ $0.remove(to) != nil }) { return Response(status: .serviceUnavailable) }
                let count = self.seen.withLock { seen -> Int in
                    seen.append(Seen(to: to, body: text, ref: ref, idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!]))
                    return seen.count
                }
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"message_id":"gw-\#(count)"}"#))
                )
            }
            return router
        }
    }

    static func config(_ directory: String, gatewayPort: Int) throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: """
                  - id: texts
                    type: sms
                    provider: generic
                    path: /hooks/texts
                    insecure: true
                    generic:
                      send:
                        url: http://127.0.0.1:\(gatewayPort)/api/send
                        fields: {to: "{{to}}", body: "{{text}}", ref: "{{id}}"}
                        token: \(Self.gatewayToken)
                        provider_id: /message_id
                  - id: mail-drop
                    type: exec
                    command: python3
                    args: [\(ExecPluginTests.root)/Plugins/examples/mail-drop/mail_drop.py, --spool, \(directory)/spool.jsonl]
                    send: true
                    send_timeout: 5s
                  - id: survey
                    type: webhook
                    path: /hooks/survey
                    insecure: true
                    mapping: {dedup_key: /id, text: /reason, author_email: /email, score: /score}
                """,
            streams: "\"*\"",
            extra: """
                customers:
                  inline:
                    - {id: cus_ann, emails: [ann@example.com], phones: ["+447700900123"], preferred_channel: texts, attributes: {name: Ann, tier: gold}}
                    - {id: cus_bob, phones: ["+447700900456"]}
                    - {id: cus_cat, phones: ["+447700900777"]}
                segments:
                  - {name: gold, when: {attribute: {tier: gold}}, response_target: 3h}
                  - {name: standard}
                cases:
                  rules:
                    - {name: detractors, when: {feedback: detractor}}
                templates:
                  - name: first-response
                    text: "Hi {{customer.attributes.name}}, this is about case {{case.id}}: as a {{segment.name}} customer you hear from us within {{segment.response_target}}."
                  - name: nps
                    text: "How likely are you to recommend us, 0-10? ({{survey.id}})"
                outbox:
                  retry_schedule: [1s, 1s]
                operators:
                  - name: mailer
                    token: \(Self.senderToken)
                    scopes: [send, cases]
                """
        )
    }

    static func send(_ port: Int, _ body: JSONValue, key: String) async throws -> (status: Int, json: JSONValue?) {
        try await OutboxTwilioTests.send(port, body, key: key, token: Self.senderToken)
    }

    static func sent(_ port: Int, _ body: JSONValue, key: String, state: String = "sent") async throws -> [String: JSONValue] {
        let queued = try await Self.send(port, body, key: key)
        #expect(queued.status == 202, "\(body): \(queued.json ?? .null)")
        guard let id = queued.json?.objectValue?["id"]?.stringValue else { return [:] }
        return try await OutboxTwilioTests.waitFor(port, id, state: state, token: Self.senderToken)
    }

    static func sms(_ port: Int, id: String, from: String, text: String) async throws -> String? {
        let answer = try await GatewayHarness.post(
            port,
            "/hooks/texts",
            body: GatewayHarness.json(["id": .string(id), "from": .string(from), "text": .string(text)])
        )
        #expect(answer.status == 202)
        return answer.json?.objectValue?["id"]?.stringValue
    }

    @Test func templatesSurveysRepliesAndFallbacksReachTheRightPlace() async throws {
        let fake = FakeGateway()
        try await LocalServer.serve(fake.router()) { gatewayPort in
            let directory = try ExecPluginTests.workspace("outbox-paths")
            let gateway = try await GatewayProcess.start(
                config: try Self.config(directory, gatewayPort: gatewayPort),
                logFile: directory + "/gateway.log"
            )
            defer { gateway.signal(SIGKILL) }

            // A detractor opens a case; the first response is the template, to her preferred
            // channel, with the case and her segment's standard in words.
            #expect(
                try await GatewayHarness.post(
                    gateway.port,
                    "/hooks/survey",
                    body: GatewayHarness.json(["id": "r1", "email": "ann@example.com", "score": 3, "reason": "slow"])
                ).status == 202
            )
            let cases = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/cases", token: Self.senderToken).body.utf8))
            guard case .array(let list)? = cases.objectValue?["cases"], let caseId = list.first?.objectValue?["id"]?.stringValue else {
                Issue.record("no case: \(cases)")
                return
            }
            let first = try await Self.sent(gateway.port, ["case": .string(caseId), "template": "first-response"], key: "t1")
            #expect(first["channel"] == "texts")
            #expect(first["source"] == .string("case:\(caseId)"))
            #expect(first["providerId"] == "gw-1")
            let delivered = try #require(fake.seen.withLock { $0.first })
            #expect(delivered.to == "+447700900123")
            #expect(delivered.body == "Hi Ann, this is about case \(caseId): as a gold customer you hear from us within 3 hours.")
            #expect(
                delivered.ref == first["id"]?.stringValue && delivered.idempotencyKey == delivered.ref,
                "the outbox id is the gateway's idempotency key"
            )

            // A survey through the outbox is the prompt once sent: her "9" reply is her score.
            let survey = try await Self.sent(
                gateway.port,
                ["to": ["customer_id": "cus_ann"], "template": "nps", "survey": "q4-relationship"],
                key: "t2"
            )
            #expect(fake.seen.withLock { $0.last?.body } == "How likely are you to recommend us, 0-10? (q4-relationship)")
            #expect(survey["state"] == "sent")
            try await ExecPluginTests.waitUntil(head: 1, port: gateway.port, stream: SurveyPrompt.stream)
            let replyId = try #require(try await Self.sms(gateway.port, id: "m1", from: "+447700900123", text: "9 - you fixed it fast"))
            let texts = try await GatewayHarness.readEvents(gateway.port, stream: "texts", query: "?after=0", count: 1)
            let reply = try MessageEvent.decode(Array(try #require(texts.last).data.utf8))
            #expect(reply.data.feedback?.score == 9)
            #expect(reply.data.feedback?.survey == "q4-relationship")

            // In reply to her message: its channel, its author.
            let answered = try await Self.sent(gateway.port, ["in_reply_to": .string(replyId), "text": "Thank you, Ann!"], key: "t3")
            #expect(answered["channel"] == "texts")
            #expect(fake.seen.withLock { $0.last }.map { [$0.to, $0.body] } == ["+447700900123", "Thank you, Ann!"])

            // Bob has no preferred channel: he is answered where he last wrote.
            _ = try await Self.sms(gateway.port, id: "m2", from: "+447700900456", text: "is anyone there?")
            let bob = try await Self.sent(gateway.port, ["to": ["customer_id": "cus_bob"], "text": "Yes, Bob."], key: "t4")
            #expect(bob["channel"] == "texts")
            #expect(fake.seen.withLock { $0.last?.to } == "+447700900456")

            // The gateway's 503 is retried; the message then goes once.
            _ = try await Self.sms(gateway.port, id: "m3", from: "+447700900777", text: "hi")
            let cat = try await Self.sent(gateway.port, ["to": ["customer_id": "cus_cat"], "text": "Hello Cat"], key: "t5")
            #expect(cat["attempts"] == .number(2))
            #expect(fake.seen.withLock { $0.filter { $0.to == "+447700900777" }.count } == 1)

            // Refusals: a case template without a case, an unknown template, both text and template.
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "template": "first-response"], key: "t6").status == 400)
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "template": "nope"], key: "t7").status == 400)
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "template": "nps", "text": "x"], key: "t8").status == 400)
            #expect(try await Self.send(gateway.port, ["in_reply_to": "evt_missing", "text": "x"], key: "t9").status == 400)

            // An exec plugin that sends: spooled with her address and answered `sent`; a
            // customer without an email is its permanent failure, in its words.
            let spooled = try await Self.sent(
                gateway.port,
                ["to": ["customer_id": "cus_ann"], "channel": "mail-drop", "text": "By mail", "subject": "Hello"],
                key: "t10"
            )
            #expect(spooled["providerId"] == "spool-1")
            let spool = try String(contentsOfFile: directory + "/spool.jsonl", encoding: .utf8)
            let line = try JSONValue.parse(Array(spool.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8)).objectValue
            #expect(line?["to"] == "ann@example.com" && line?["text"] == "By mail" && line?["subject"] == "Hello" && line?["id"] == spooled["id"])
            let refused = try await Self.sent(
                gateway.port,
                ["to": ["customer_id": "cus_bob"], "channel": "mail-drop", "text": "By mail"],
                key: "t11",
                state: "dead_lettered"
            )
            #expect(refused["deadReason"] == "permanent")
            #expect(refused["lastError"] == "the plugin: no email address to send to")
            #expect(fake.malformed.withLock { $0 }.isEmpty)
        }
    }
}
