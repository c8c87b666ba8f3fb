import AsyncHTTPClient
import Crypto
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import NIOCore
import NIOHTTP1
import Testing

/// A hotline through the binary: a gold customer's call is answered with TwiML, leaves a
/// voicemail (stored as an event with its customer and segment), the gateway is killed
/// with `kill -9` before the transcript comes, and after the restart the transcript joins
/// the voicemail; a redelivered callback is stored once; a gold customer who hangs up
/// without a message opens a case; an unsigned callback is 401 and stores nothing. The
/// requests are signed here with HMAC-SHA1 written from Twilio's description, not with the
/// adapter's own code.
@Suite(.serialized) struct VoiceEndToEndTests {
    static let authToken = "voice-e2e-auth-token-000001"
    static let base = "https://voice.example.com/hooks/voice"
    static let operatorToken = "voice-desk-token-0123456789"

    static func config(_ directory: String, sms: String = "") throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: sms + """
                  - id: hotline
                    type: voice
                    path: /hooks/voice
                    transcribe: true
                    survey: {id: hotline-nps}
                    twilio:
                      auth_token: \(authToken)
                      public_url: "\(base)"
                """,
            streams: "\"*\"",
            extra: """
                customers:
                  inline:
                    - {id: c-ann, phones: ["+12125550123"], attributes: {tier: gold}}
                segments:
                  - {name: gold, when: {attribute: {tier: gold}}}
                  - {name: standard}
                cases:
                  rules:
                    - name: gold-hung-up
                      when: {all: [{flag: missed_call}, {segment: gold}]}
                operators:
                  - name: desk
                    token: \(operatorToken)
                    scopes: [cases, send]
                """
        )
    }

    /// A form POST to `suffix`, signed as Twilio signs: base64 HMAC-SHA1 of the URL then
    /// each parameter's name and value, sorted by name.
    static func post(_ port: Int, _ suffix: String, _ parameters: [(String, String)], sign: Bool = true) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hooks/voice\(suffix)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if sign {
            let text = base + suffix + parameters.sorted { $0.0 < $1.0 }.map { $0.0 + $0.1 }.joined()
            let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(authToken.utf8)))
            request.headers.add(name: "X-Twilio-Signature", value: Data(mac).base64EncodedString())
        }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let form = parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func call(_ callSid: String, from: String = "+12125550123") -> [(String, String)] {
        [
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"), ("CallSid", callSid), ("CallStatus", "in-progress"), ("From", from),
            ("To", "+14155550100"),
        ]
    }

    static func events(_ port: Int) async throws -> [MessageEvent] {
        let head = try await CrashSafetyTests.head(port: port, stream: "hotline")
        guard head > 0 else { return [] }
        return try await GatewayHarness.readEvents(port, stream: "hotline", query: "?after=0", count: Int(head)).map {
            try MessageEvent.decode(Array($0.data.utf8))
        }
    }

    @Test func aVoicemailSurvivesKillDashNineAndItsTranscriptJoinsIt() async throws {
        let directory = try ExecPluginTests.workspace("voice")
        let configPath = try Self.config(directory)
        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        let answer = try await Self.post(first.port, "", Self.call("CA01"))
        #expect(answer.status == 200)
        #expect(
            answer.body.contains(#"<Record action="/hooks/voice/recorded""#) && answer.body.contains(#"transcribeCallback="/hooks/voice/transcript""#)
        )
        #expect(try await Self.events(first.port).isEmpty, "answering a call stores nothing")

        let recording =
            Self.call("CA01") + [
                ("RecordingSid", "RE01"), ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC01/Recordings/RE01"),
                ("RecordingDuration", "9"),
            ]
        let recorded = try await Self.post(first.port, "/recorded", recording)
        #expect(recorded.status == 200 && recorded.body.contains(#"<Gather action="/hooks/voice/score?attempt=1""#), "the survey follows")
        first.signal(SIGKILL)
        _ = await first.waitForExit()

        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        defer { second.signal(SIGKILL) }
        let transcript =
            Self.call("CA01") + [
                ("TranscriptionSid", "TR01"), ("TranscriptionStatus", "completed"), ("TranscriptionText", "Hi, my parcel never came"),
                ("RecordingSid", "RE01"),
            ]
        #expect(try await Self.post(second.port, "/transcript", transcript).status == 200)
        #expect(try await Self.post(second.port, "/recorded", recording).status == 200, "Twilio retrying the callback")
        let events = try await Self.events(second.port)
        #expect(events.map(\.data.dedupKey) == ["voicemail:RE01", "transcript:RE01"], "each stored once, in order")
        let voicemail = try #require(events.first)
        #expect(voicemail.data.customer?.id == "c-ann" && voicemail.data.segment == "gold")
        #expect(voicemail.data.attachments.first?.url == "https://api.twilio.com/2010-04-01/Accounts/AC01/Recordings/RE01")
        #expect(voicemail.data.flags == ["voicemail"])
        let text = try #require(events.last)
        #expect(text.data.text == "Hi, my parcel never came" && text.data.conversationId == voicemail.data.conversationId)
        #expect(text.data.metadata["voice"]?.objectValue?["completes"]?.stringValue == "voicemail:RE01")
        #expect(text.data.customer?.id == "c-ann")
    }

    @Test func aGoldCustomerWhoHangsUpOpensACaseAndUnsignedCallsStoreNothing() async throws {
        let directory = try ExecPluginTests.workspace("voice-missed")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let unsigned = try await Self.post(
            gateway.port,
            "/recorded",
            Self.call("CA09") + [("RecordingSid", "RE09"), ("RecordingUrl", "https://x")],
            sign: false
        )
        #expect(unsigned.status == 401 && unsigned.body.contains("missing X-Twilio-Signature header"))
        #expect(try await Self.post(gateway.port, "/missed", Self.call("CA02")).status == 200)
        #expect(try await Self.post(gateway.port, "/missed", Self.call("CA03", from: "+447700900999")).status == 200)
        let events = try await Self.events(gateway.port)
        #expect(events.map(\.data.dedupKey) == ["missed:CA02", "missed:CA03"])
        let cases = try await GatewayHarness.get(gateway.port, "/v1/cases", token: Self.operatorToken)
        let list = try JSONValue.parse(Array(cases.body.utf8)).objectValue?["cases"]?.arrayValue ?? []
        #expect(list.count == 1, "\(cases.body)")
        #expect(list.first?.objectValue?["rule"]?.stringValue == "gold-hung-up")
        #expect(list.first?.objectValue?["customer"]?.objectValue?["id"]?.stringValue == "c-ann")
    }

    /// The keypad survey: a 3 pressed after the voicemail is stored at once, the reason
    /// said after it supersedes it, and NPS counts one detractor with that reason.
    @Test func aKeypadScoreAndItsSpokenReasonCountOnce() async throws {
        let directory = try ExecPluginTests.workspace("voice-survey")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let recording = Self.call("CA05") + [("RecordingSid", "RE05"), ("RecordingUrl", "https://api.twilio.com/x/RE05"), ("RecordingDuration", "4")]
        let asked = try await Self.post(gateway.port, "/recorded", recording)
        #expect(asked.body.contains(#"<Gather action="/hooks/voice/score?attempt=1""#))
        let wrong = try await Self.post(gateway.port, "/score?attempt=1", Self.call("CA05") + [("Digits", "77")])
        #expect(wrong.body.contains("score?attempt=2"), "asked again once")
        let scored = try await Self.post(gateway.port, "/score?attempt=2", Self.call("CA05") + [("Digits", "3")])
        let answer = try #require(
            scored.body.range(of: #"answer=([0-9a-f-]+)""#, options: .regularExpression).map {
                String(scored.body[$0].dropFirst("answer=".count).dropLast())
            }
        )
        let reason = try await Self.post(
            gateway.port,
            "/reason?score=3&answer=\(answer)",
            Self.call("CA05") + [("SpeechResult", "I waited too long on hold"), ("Confidence", "0.9")]
        )
        #expect(reason.status == 200 && reason.body.contains("<Hangup />"))
        let events = try await Self.events(gateway.port)
        #expect(events.map(\.data.dedupKey) == ["voicemail:RE05", "ivr:CA05", "ivr-reason:CA05"])
        #expect(events[1].id == answer && events[1].data.feedback?.source == .ivr)
        #expect(events[2].data.feedback?.supersedes == answer && events[2].data.feedback?.reason == "I waited too long on hold")
        let nps = try await NPSEndToEndTests.nps(gateway.port, "/v1/nps?window=1d")
        let cell = try #require(nps.objectValue?["cells"]?.arrayValue?.first?.objectValue)
        #expect(cell["detractors"]?.numberValue == 1 && cell["responses"]?.numberValue == 1, "the reason replaces the score, it does not add one")
    }

    /// A case opened by a call cannot be answered on the phone line: resolving it asks the
    /// confirmation question by SMS, to the number that called.
    @Test func aCaseFromACallIsConfirmedBySMSToTheCaller() async throws {
        let directory = try ExecPluginTests.workspace("voice-confirm")
        let sms = """
              - id: sms-out
                type: sms
                provider: twilio
                path: /hooks/sms
                twilio:
                  auth_token: sms-e2e-auth-token-0001
                  account_sid: AC0123456789abcdef0123456789abcdef
                  from: "+14155550100"
                  api_url: "http://127.0.0.1:9"

            """
        let gateway = try await GatewayProcess.start(config: try Self.config(directory, sms: sms), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        #expect(try await Self.post(gateway.port, "/missed", Self.call("CA07")).status == 200)
        let cases = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/cases", token: Self.operatorToken).body.utf8))
        let caseId = try #require(cases.objectValue?["cases"]?.arrayValue?.first?.objectValue?["id"]?.stringValue, "\(cases)")
        let resolved = try await GatewayHarness.post(
            gateway.port,
            "/v1/cases/\(caseId)/resolve",
            body: Array(#"{"root_cause":"missed at lunch","resolution":"called back"}"#.utf8),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.operatorToken)")]
        )
        #expect(resolved.status == 200)
        let outbox = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/outbox", token: Self.operatorToken).body.utf8))
        let message = try #require(outbox.objectValue?["messages"]?.arrayValue?.first?.objectValue, "\(outbox)")
        #expect(message["channel"]?.stringValue == "sms-out")
        #expect(message["to"]?.objectValue?["phone"]?.stringValue == "+12125550123")
        #expect(message["source"]?.stringValue == "case:\(caseId)")
    }
}
