import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// The outbox against the binary and a local Twilio that checks each request as Twilio's
/// Messages API documents it (path, Basic auth, form fields) and answers as Twilio does,
/// errors and 429 included: a message is sent once; a retry of the request is the same
/// message; a 429 is retried after its `Retry-After`; a 400 is dead-lettered with Twilio's
/// words and can be re-driven; and a send in flight at `kill -9` is never sent again.
@Suite(.serialized) struct OutboxTwilioTests {
    static let accountSid = "AC0123456789abcdef0123456789abcdef"
    static let authToken = "outbox-twilio-token-01"
    static let senderToken = "outbox-sender-token-0123"

    /// A local Twilio: records every request it accepts as valid, answers by number.
    final class FakeTwilio: Sendable {
        struct Seen: Sendable {
            var to: String
            var from: String
            var body: String
        }
        let seen = Mutex<[Seen]>([])
        let malformed = Mutex<[String]>([])
        /// Numbers that get one 429 before they succeed.
        let throttledOnce = Mutex<Set<String>>(["+447700900999"])
        /// A number whose request hangs (to kill the gateway mid-send).
        let stallFor = "+447700900555"

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/2010-04-01/Accounts/:account/Messages.json") { request, context -> Response in
                let expectedAuth = "Basic " + Data("\(OutboxTwilioTests.accountSid):\(OutboxTwilioTests.authToken)".utf8).base64EncodedString()
                guard context.parameters.get("account") == OutboxTwilioTests.accountSid, request.headers[.authorization] == expectedAuth else {
                    self.malformed.withLock { $0.append("auth or account") }
                    return Self.json(
                        .unauthorized,
                        ["code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401]
                    )
                }
                guard request.headers[.contentType] == "application/x-www-form-urlencoded" else {
                    self.malformed.withLock { $0.append("content type") }
                    return Self.json(.badRequest, ["code": 20001, "message": "Unsupported content type", "status": 400])
                }
                let body = try await request.body.collect(upTo: 1 << 20)
                let form = Dictionary((try? FormURLEncoded.parse(String(buffer: body))) ?? [], uniquingKeysWith: { first, _ in first })
                guard let to = form["To"], let from = form["From"], let text = form["Body"], Set(form.keys) == ["To", "From", "Body"] else {
                    self.malformed.withLock { $0.append("fields \(form.keys.sorted())") }
                    return Self.json(.badRequest, ["code": 21604, "message": "A 'To' phone number is required.", "status": 400])
                }
                if to == "+15005550001" {
                    return Self.json(
                        .badRequest,
                        [
                            "code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.",
                            "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400,
                        ]
                    )
                }
                if self.throttledOnce.withLock({ $0.remove(to) != nil }) {
                    var response = Self.json(
                        .tooManyRequests,
                        ["code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429]
                    )
                    response.headers[.retryAfter] = "1"
                    return response
                }
                let count = self.seen.withLock { seen -> Int in
                    seen.append(Seen(to: to, from: from, body: text))
                    return seen.count
                }
                if to == self.stallFor { try await Task.sleep(for: .seconds(60)) }
                return Self.json(
                    .created,
                    [
                        "sid": .string(String(format: "SM%032d", count)), "status": "queued", "to": .string(to), "from": .string(from),
                        "body": .string(text),
                    ]
                )
            }
            return router
        }

        static func json(_ status: HTTPResponse.Status, _ object: JSONValue) -> Response {
            Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: object.compactJSON())))
        }
    }

    static func config(_ directory: String, twilioPort: Int) throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: """
                  - id: sms
                    type: sms
                    provider: twilio
                    path: /hooks/twilio
                    twilio:
                      auth_token: \(Self.authToken)
                      account_sid: \(Self.accountSid)
                      from: "+14155550100"
                      api_url: http://127.0.0.1:\(twilioPort)
                  - id: sms-in
                    type: sms
                    provider: generic
                    path: /hooks/sms-in
                    insecure: true
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
                    - {id: cus_ann, emails: [ann@example.com], phones: ["+447700900123"], preferred_channel: sms}
                cases:
                  rules:
                    - {name: detractors, when: {feedback: detractor}, first_response: 1h}
                outbox:
                  retry_schedule: [1s, 1s]
                  rate_limits: {sms: 20/s}
                operators:
                  - name: mailer
                    token: \(Self.senderToken)
                    scopes: [send, cases]
                """
        )
    }

    static func send(_ port: Int, _ body: JSONValue, key: String, token: String = senderToken) async throws -> (status: Int, json: JSONValue?) {
        try await GatewayHarness.post(
            port,
            "/v1/outbox",
            body: GatewayHarness.json(body),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"), ("Idempotency-Key", key)]
        )
    }

    static func message(_ port: Int, _ id: String, token: String = senderToken) async throws -> [String: JSONValue] {
        let list = try JSONValue.parse(Array(try await GatewayHarness.get(port, "/v1/outbox", token: token).body.utf8))
        guard case .array(let messages)? = list.objectValue?["messages"] else { return [:] }
        return messages.compactMap(\.objectValue).first { $0["id"]?.stringValue == id } ?? [:]
    }

    static func waitFor(
        _ port: Int,
        _ id: String,
        state: String,
        timeout: Duration = .seconds(15),
        token: String = senderToken
    ) async throws -> [String: JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await Self.message(port, id, token: token)
            if message["state"]?.stringValue == state || ContinuousClock.now > deadline { return message }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func sendsOnceRetriesA429AndDeadLettersA400() async throws {
        let twilio = FakeTwilio()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("outbox-twilio")
            let gateway = try await GatewayProcess.start(
                config: try Self.config(directory, twilioPort: twilioPort),
                logFile: directory + "/gateway.log"
            )
            defer { gateway.signal(SIGKILL) }

            // To a customer: her preferred channel, her number from the directory.
            let queued = try await Self.send(
                gateway.port,
                ["to": ["customer_id": "cus_ann"], "text": "We refunded the second charge. £12 & sorry!"],
                key: "k1"
            )
            #expect(queued.status == 202)
            let id = try #require(queued.json?.objectValue?["id"]?.stringValue)
            #expect(queued.json?.objectValue?["channel"] == "sms")
            let sent = try await Self.waitFor(gateway.port, id, state: "sent")
            #expect(sent["state"] == "sent")
            #expect(sent["providerId"] == .string(String(format: "SM%032d", 1)))
            // The same request again is the same message, not a second text.
            let again = try await Self.send(
                gateway.port,
                ["to": ["customer_id": "cus_ann"], "text": "We refunded the second charge. £12 & sorry!"],
                key: "k1"
            )
            #expect(again.json?.objectValue?["duplicate"] == .bool(true))
            #expect(again.json?.objectValue?["id"]?.stringValue == id)

            // A 429 is retried after Retry-After; it is then sent once.
            let throttled = try #require(
                try await Self.send(gateway.port, ["to": ["phone": "+44 7700 900999"], "channel": "sms", "text": "hello"], key: "k2").json?
                    .objectValue?["id"]?.stringValue
            )
            let retried = try await Self.waitFor(gateway.port, throttled, state: "sent")
            #expect(retried["attempts"] == .number(2))

            // A 400 is dead-lettered with Twilio's own words; a re-drive tries once more.
            let invalid = try #require(
                try await Self.send(gateway.port, ["to": ["phone": "+15005550001"], "channel": "sms", "text": "hi"], key: "k3").json?.objectValue?[
                    "id"
                ]?.stringValue
            )
            let dead = try await Self.waitFor(gateway.port, invalid, state: "dead_lettered")
            #expect(dead["deadReason"] == "permanent")
            #expect(dead["lastError"]?.stringValue?.contains("21211") == true)
            #expect(dead["lastError"]?.stringValue?.contains("is not a valid phone number") == true)
            let redrive = try await GatewayHarness.post(
                gateway.port,
                "/v1/outbox/\(invalid)/redrive",
                body: [],
                headers: [("Authorization", "Bearer \(Self.senderToken)")]
            )
            #expect(redrive.status == 202)
            #expect(try await Self.waitFor(gateway.port, invalid, state: "dead_lettered")["attempts"] == .number(1))

            // Refusals: a channel that cannot send, no text, a reader's token.
            #expect(try await Self.send(gateway.port, ["to": ["phone": "+447700900123"], "channel": "nope", "text": "x"], key: "k4").status == 400)
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "text": " "], key: "k5").status == 400)
            let reader = try await GatewayHarness.post(
                gateway.port,
                "/v1/outbox",
                body: Array(#"{"to":{"customer_id":"cus_ann"},"text":"x"}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(GatewayHarness.readerToken)")]
            )
            #expect(reader.status == 401)

            // Twilio saw exactly the two good messages, each once, and nothing malformed.
            #expect(twilio.seen.withLock { $0.map(\.to) } == ["+447700900123", "+447700900999"])
            #expect(twilio.seen.withLock { $0.first?.body } == "We refunded the second charge. £12 & sorry!")
            #expect(twilio.malformed.withLock { $0 }.isEmpty)
            // Every state change is on the outbox stream.
            let head = try await CrashSafetyTests.head(port: gateway.port, stream: OutboxEvent.stream)
            let kinds = try await GatewayHarness.readEvents(gateway.port, stream: OutboxEvent.stream, query: "?after=0", count: Int(head)).compactMap
            {
                OutboxEvent(event: Array($0.data.utf8)).map {
                    "\($0.item == id ? "ann" : $0.item == throttled ? "throttled" : "invalid"):\($0.kind.rawValue)"
                }
            }
            #expect(kinds.filter { $0.hasPrefix("ann:") } == ["ann:queued", "ann:attempted", "ann:sent"])
            #expect(
                kinds.filter { $0.hasPrefix("throttled:") } == [
                    "throttled:queued", "throttled:attempted", "throttled:retried", "throttled:attempted", "throttled:sent",
                ]
            )
            #expect(
                kinds.filter { $0.hasPrefix("invalid:") } == [
                    "invalid:queued", "invalid:attempted", "invalid:dead_lettered", "invalid:requeued", "invalid:attempted", "invalid:dead_lettered",
                ]
            )
        }
    }

    @Test func resolvingACaseTextsTheQuestionAndHerYesClosesIt() async throws {
        let twilio = FakeTwilio()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("outbox-case")
            let gateway = try await GatewayProcess.start(
                config: try Self.config(directory, twilioPort: twilioPort),
                logFile: directory + "/gateway.log"
            )
            defer { gateway.signal(SIGKILL) }
            let survey = { (body: JSONValue) in try await GatewayHarness.post(gateway.port, "/hooks/survey", body: GatewayHarness.json(body)) }
            #expect(try await survey(["id": "r1", "email": "ann@example.com", "score": 2, "reason": "charged twice"]).status == 202)
            let cases = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/cases", token: Self.senderToken).body.utf8))
            guard case .array(let list)? = cases.objectValue?["cases"], let caseId = list.first?.objectValue?["id"]?.stringValue else {
                Issue.record("no case: \(cases)")
                return
            }
            let resolved = try await GatewayHarness.post(
                gateway.port,
                "/v1/cases/\(caseId)/resolve",
                body: Array(#"{"root_cause":"retry bug","resolution":"refunded"}"#.utf8),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.senderToken)")]
            )
            #expect(resolved.status == 200)
            // The question goes out by SMS, her preferred channel, to her number.
            let deadline = ContinuousClock.now + .seconds(10)
            while twilio.seen.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let texted = twilio.seen.withLock { $0 }
            #expect(texted.map(\.to) == ["+447700900123"])
            #expect(texted.first?.body == "Did you get what you needed? Reply YES or NO.")
            // Her yes, on another channel, closes the case.
            #expect(try await survey(["id": "r2", "email": "ann@example.com", "reason": "YES"]).status == 202)
            let detail = try JSONValue.parse(
                Array(try await GatewayHarness.get(gateway.port, "/v1/cases/\(caseId)", token: Self.senderToken).body.utf8)
            ).objectValue
            #expect(detail?["state"] == "closed")
            #expect(detail?["outcome"] == "confirmed")
        }
    }

    @Test func aStopTextSuppressesHerNumberUntilStart() async throws {
        let twilio = FakeTwilio()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("outbox-stop")
            let configPath = try Self.config(directory, twilioPort: twilioPort)
            var gateway = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
            defer { gateway.signal(SIGKILL) }
            let sms = { (port: Int, id: String, text: String) in
                try await GatewayHarness.post(
                    port,
                    "/hooks/sms-in",
                    body: GatewayHarness.json(["id": .string(id), "from": "+447700900123", "text": .string(text)])
                )
            }
            let operatorHeaders = [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.senderToken)")]
            #expect(try await sms(gateway.port, "m1", " Stop ").status == 202)
            let refused = try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "text": "hello"], key: "a1")
            #expect(refused.status == 409)
            #expect(refused.json?.objectValue?["detail"]?.stringValue?.contains("texted STOP") == true)
            // The opt-out survives a restart: it is an event, not memory.
            gateway.signal(SIGKILL)
            _ = await gateway.waitForExit()
            gateway = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "text": "hello"], key: "a2").status == 409)
            let list = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/suppressions", token: Self.senderToken).body.utf8))
            guard case .array(let entries)? = list.objectValue?["suppressions"] else {
                Issue.record("no list: \(list)")
                return
            }
            #expect(entries.compactMap { $0.objectValue?["address"]?.stringValue } == ["+447700900123"])
            #expect(entries.first?.objectValue?["source"] == "keyword")
            // A message that merely contains the word is not a keyword; START lifts it.
            #expect(try await sms(gateway.port, "m2", "please stop calling me at work").status == 202)
            #expect(try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "text": "hello"], key: "a3").status == 409)
            #expect(try await sms(gateway.port, "m3", "START").status == 202)
            let queued = try await Self.send(gateway.port, ["to": ["customer_id": "cus_ann"], "text": "welcome back"], key: "a4")
            #expect(queued.status == 202)
            let id = try #require(queued.json?.objectValue?["id"]?.stringValue)
            #expect(try await Self.waitFor(gateway.port, id, state: "sent")["state"] == "sent")
            #expect(twilio.seen.withLock { $0.map(\.body) } == ["welcome back"])
            // An email address suppressed and lifted by API.
            let added = try await GatewayHarness.post(
                gateway.port,
                "/v1/suppressions",
                body: Array(#"{"email":"Bob@Example.com"}"#.utf8),
                headers: operatorHeaders
            )
            #expect(added.status == 201)
            #expect(added.json?.objectValue?["address"] == "bob@example.com")
            var lift = HTTPClientRequestBuilder.get(gateway.port, "/v1/suppressions/bob@example.com", token: Self.senderToken)
            lift.method = .DELETE
            let lifted = try await HTTPClient.shared.execute(lift, timeout: .seconds(10))
            #expect(lifted.status.code == 200)
        }
    }

    /// Contract 4 on the loop's endpoints: every malformed request gets a 4xx problem JSON,
    /// nothing is stored for it, and the gateway keeps serving.
    @Test func badRequestsToTheLoopsEndpointsGetProblemsAndStoreNothing() async throws {
        let twilio = FakeTwilio()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("outbox-bad")
            let gateway = try await GatewayProcess.start(
                config: try Self.config(directory, twilioPort: twilioPort),
                logFile: directory + "/gateway.log"
            )
            defer { gateway.signal(SIGKILL) }
            let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.senderToken)")]
            let bodies: [(String, String)] = [
                ("/v1/outbox", "not json"), ("/v1/outbox", "[]"), ("/v1/outbox", #"{"to":"cus_ann","text":"x"}"#),
                ("/v1/outbox", #"{"to":{"phone":"12"},"channel":"sms","text":"x"}"#), ("/v1/outbox", #"{"to":{"customer_id":"nobody"},"text":"x"}"#),
                ("/v1/outbox", #"{"to":{"customer_id":"cus_ann"},"text":"x","extra":1}"#), ("/v1/suppressions", #"{"phone":"abc"}"#),
                ("/v1/suppressions", "\u{0}\u{ff}"), ("/v1/cases/nope/resolve", #"{"root_cause":"a","resolution":"b"}"#),
                ("/v1/outbox/nope/redrive", "{}"),
            ]
            for (path, body) in bodies {
                let answer = try await GatewayHarness.post(gateway.port, path, body: Array(body.utf8), headers: headers)
                #expect((400..<500).contains(answer.status), "\(path) \(body): \(answer.status)")
                #expect(answer.json?.objectValue?["detail"]?.stringValue?.isEmpty == false, "\(path) \(body): a problem JSON")
            }
            for query in [
                "/v1/cases?state=sideways", "/v1/cases?limit=-1", "/v1/cases?colour=red", "/v1/loop?group_by=survey", "/v1/outbox?state=lost",
            ] {
                #expect(try await GatewayHarness.get(gateway.port, query, token: Self.senderToken).status == 400, "\(query)")
            }
            #expect(try await GatewayHarness.get(gateway.port, "/healthz", token: nil).status == 200, "still serving")
            #expect(try await CrashSafetyTests.head(port: gateway.port, stream: OutboxEvent.stream) == 0, "nothing queued")
            #expect(try await CrashSafetyTests.head(port: gateway.port, stream: SuppressionEvent.stream) == 0, "nothing suppressed")
            #expect(twilio.seen.withLock { $0.isEmpty })
        }
    }

    @Test func aSendInFlightAtKillDashNineIsNeverSentAgain() async throws {
        let twilio = FakeTwilio()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("outbox-kill")
            let configPath = try Self.config(directory, twilioPort: twilioPort)
            let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
            let id = try #require(
                try await Self.send(first.port, ["to": ["phone": .string(twilio.stallFor)], "channel": "sms", "text": "in flight"], key: "s1").json?
                    .objectValue?["id"]?.stringValue
            )
            let deadline = ContinuousClock.now + .seconds(10)
            while twilio.seen.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(twilio.seen.withLock { $0.count } == 1, "Twilio has the request")
            first.signal(SIGKILL)
            _ = await first.waitForExit()

            let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
            defer { second.signal(SIGKILL) }
            let dead = try await Self.waitFor(second.port, id, state: "dead_lettered")
            #expect(dead["deadReason"] == "in_doubt")
            try await Task.sleep(for: .seconds(2))
            #expect(twilio.seen.withLock { $0.count } == 1, "never handed to Twilio twice")
        }
    }
}
