import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1
import Testing

/// Business hours through the binary: in open hours a call rings the desk (`<Dial>`); when
/// nobody picks up, the call is a missed-call event (a gold customer's opens a case) and the
/// caller gets the voicemail; an answered one is its own event; out of hours (a holiday
/// today) the call goes straight to voicemail; `check` refuses a calendar nobody declared.
@Suite(.serialized) struct VoiceDeskEndToEndTests {
    static func config(_ directory: String) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let today = formatter.string(from: Date())
        return try ExecPluginTests.config(
            directory,
            channel: """
                  - id: hotline
                    type: voice
                    path: /hooks/voice
                    twilio:
                      auth_token: \(VoiceEndToEndTests.authToken)
                      public_url: "\(VoiceEndToEndTests.base)"
                    desk: {number: "+44 20 7946 0000", ring_timeout: 15s}
                    calendar: 24x7
                  - id: nightline
                    type: voice
                    path: /hooks/night
                    insecure: true
                    desk: {number: "+442079460000"}
                    calendar: closed-today
                """,
            streams: "\"*\"",
            extra: """
                calendars:
                  - name: closed-today
                    time_zone: UTC
                    hours: {mon-sun: "00:00-24:00"}
                    holidays: [\(today)]
                customers:
                  inline:
                    - {id: c-ann, phones: ["+12125550123"], attributes: {tier: gold}}
                segments:
                  - {name: gold, when: {attribute: {tier: gold}}}
                  - {name: standard}
                cases:
                  rules:
                    - name: gold-missed
                      when: {all: [{flag: missed_call}, {segment: gold}]}
                operators:
                  - name: desk
                    token: \(VoiceEndToEndTests.operatorToken)
                    scopes: [cases]
                """
        )
    }

    @Test func theDeskIsRungInHoursAMissedRingIsACaseThenVoicemailAndOutOfHoursIsVoicemail() async throws {
        let directory = try ExecPluginTests.workspace("voice-desk")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }

        let ring = try await VoiceEndToEndTests.post(gateway.port, "", VoiceEndToEndTests.call("CA31"))
        #expect(ring.status == 200)
        #expect(ring.body.contains(#"<Dial action="/hooks/voice/dialed" method="POST" timeout="15">+442079460000</Dial>"#), "\(ring.body)")

        let missed = try await VoiceEndToEndTests.post(
            gateway.port,
            "/dialed",
            VoiceEndToEndTests.call("CA31") + [("DialCallStatus", "no-answer"), ("DialCallSid", "CA3199")]
        )
        #expect(missed.status == 200 && missed.body.contains(#"<Record action="/hooks/voice/recorded""#), "then the voicemail")
        let answered = try await VoiceEndToEndTests.post(
            gateway.port,
            "/dialed",
            VoiceEndToEndTests.call("CA32") + [("DialCallStatus", "completed"), ("DialCallDuration", "95")]
        )
        #expect(answered.status == 200 && answered.body.hasSuffix("<Response />"))

        // Out of hours: straight to voicemail, no ring.
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(gateway.port)/hooks/night")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "CallSid=CA33&From=%2B12125550123&To=%2B14155550101"))
        let night = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let nightBody = String(buffer: try await night.body.collect(upTo: 1 << 20))
        #expect(nightBody.contains("<Record ") && !nightBody.contains("<Dial"), "\(nightBody)")

        let events = try await VoiceEndToEndTests.events(gateway.port)
        #expect(events.map(\.data.dedupKey) == ["missed:CA31", "answered:CA32"])
        #expect(events.first?.data.flags == ["missed_call"] && events.last?.data.flags == ["answered_call"])
        #expect(events.last?.data.metadata["voice"]?.objectValue?["dialDurationSeconds"] == .number(95))
        let cases = try await GatewayHarness.get(gateway.port, "/v1/cases", token: VoiceEndToEndTests.operatorToken)
        #expect(cases.body.contains(#""rule":"gold-missed""#), "the gold customer nobody answered has a case: \(cases.body)")
    }

    @Test func checkRefusesACalendarNobodyDeclared() async throws {
        let directory = try ExecPluginTests.workspace("voice-desk-check")
        let path = try ExecPluginTests.config(
            directory,
            channel: """
                  - id: hotline
                    type: voice
                    path: /hooks/voice
                    insecure: true
                    desk: {number: "+442079460000"}
                    calendar: london-office
                """
        )
        let run = try BootstrapCheckTests.run(["check", "--config", path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("channels[hotline].calendar") && run.stderr.contains("unknown calendar 'london-office'"), "\(run.stderr)")
    }
}
