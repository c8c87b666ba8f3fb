import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A survey call the outbox places, through the binary: a message queued on the voice
/// channel becomes one `POST …/Calls.json` at a local Twilio (Basic auth checked) whose
/// `Twiml` says the message and asks the keypad NPS question with absolute callbacks; the
/// customer's keys on that outbound call are `feedback` (source `ivr`) for the customer who
/// was called, not for the hotline's own number.
@Suite(.serialized) struct VoiceSurveyCallEndToEndTests {
    static let account = "AC0123456789abcdef0123456789abcdef"

    /// A local Twilio Calls API: records each call it accepts.
    final class FakeTwilioCalls: Sendable {
        let calls = Mutex<[[String: String]]>([])
        let refused = Mutex(0)

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/2010-04-01/Accounts/:account/Calls.json") { request, context -> Response in
                let expected = "Basic " + Data("\(VoiceSurveyCallEndToEndTests.account):\(VoiceEndToEndTests.authToken)".utf8).base64EncodedString()
                guard context.parameters.get("account") == VoiceSurveyCallEndToEndTests.account, request.headers[.authorization] == expected
                else {
                    self.refused.withLock { $0 += 1 }
                    return Response(status: .unauthorized)
                }
                let body = try await request.body.collect(upTo: 1 << 20)
                let form = FormURLEncoded.firstValues((try? FormURLEncoded.parse(String(buffer: body))) ?? [])
                let count = self.calls.withLock { calls in
                    calls.append(form)
                    return calls.count
                }
                let sid = "CA" + String(repeating: "0", count: 30) + String(format: "%02d", count)
                return Response(
                    status: .created,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"sid":"\#(sid)","status":"queued"}"#))
                )
            }
            return router
        }
    }

    @Test func theOutboxPlacesASurveyCallAndTheKeysAreTheCalledCustomersScore() async throws {
        let twilio = FakeTwilioCalls()
        try await LocalServer.serve(twilio.router()) { twilioPort in
            let directory = try ExecPluginTests.workspace("voice-call")
            let config = try ExecPluginTests.config(
                directory,
                channel: """
                      - id: hotline
                        type: voice
                        path: /hooks/voice
                        survey: {id: hotline-nps}
                        twilio:
                          auth_token: \(VoiceEndToEndTests.authToken)
                          public_url: "\(VoiceEndToEndTests.base)"
                          account_sid: \(Self.account)
                          from: "+14155550100"
                          api_url: http://127.0.0.1:\(twilioPort)
                    """,
                streams: "\"*\"",
                extra: """
                    customers:
                      inline:
                        - {id: c-ann, phones: ["+12125550123"]}
                    operators:
                      - name: desk
                        token: \(VoiceEndToEndTests.operatorToken)
                        scopes: [send]
                    """
            )
            let gateway = try await GatewayProcess.start(config: config, logFile: directory + "/gateway.log")
            defer { gateway.signal(SIGKILL) }
            let queued = try await OutboxTwilioTests.send(
                gateway.port,
                ["to": ["customer_id": "c-ann"], "channel": "hotline", "text": "Hello Ann, this is Acme about your call last week."],
                key: "survey-call-1",
                token: VoiceEndToEndTests.operatorToken
            )
            let id = try #require(queued.json?.objectValue?["id"]?.stringValue, "\(queued)")
            let sent = try await OutboxTwilioTests.waitFor(gateway.port, id, state: "sent", token: VoiceEndToEndTests.operatorToken)
            #expect(sent["state"]?.stringValue == "sent", "\(sent)")
            let call = try #require(twilio.calls.withLock { $0.first })
            #expect(twilio.calls.withLock { $0.count } == 1 && twilio.refused.withLock { $0 } == 0, "placed once, with the account's credentials")
            #expect(call["To"] == "+12125550123" && call["From"] == "+14155550100")
            let twiml = call["Twiml"] ?? ""
            #expect(twiml.contains(#"<Say language="en-US" voice="alice">Hello Ann, this is Acme about your call last week.</Say>"#), "\(twiml)")
            #expect(twiml.contains(#"<Gather action="\#(VoiceEndToEndTests.base)/score?attempt=1""#), "absolute callbacks: \(twiml)")
            #expect(sent["providerId"]?.stringValue == "CA00000000000000000000000000000001")

            // The customer presses 9 on the call the outbox placed.
            let keys = [
                ("AccountSid", Self.account), ("CallSid", "CA00000000000000000000000000000001"), ("CallStatus", "in-progress"),
                ("Direction", "outbound-api"), ("From", "+14155550100"), ("To", "+12125550123"), ("Digits", "9"),
            ]
            let scored = try await VoiceEndToEndTests.post(gateway.port, "/score?attempt=1", keys)
            #expect(scored.status == 200 && scored.body.contains("<Gather"), "then the reason question")
            let events = try await VoiceEndToEndTests.events(gateway.port)
            let answer = try #require(events.first { $0.data.dedupKey == "ivr:CA00000000000000000000000000000001" })
            #expect(answer.data.feedback?.score == 9 && answer.data.feedback?.source == .ivr)
            #expect(answer.data.customer?.id == "c-ann", "the called customer's score, not the hotline number's")
            #expect(answer.data.metadata["voice"]?.objectValue?["direction"]?.stringValue == "outbound")
        }
    }
}
