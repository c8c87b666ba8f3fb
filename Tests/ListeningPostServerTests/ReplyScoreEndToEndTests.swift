import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// Scores in replies, against the binary: an operator's mailer records a survey prompt, the
/// customer answers the SMS in words, and the event carries the score (source `reply`);
/// without a prompt, or from someone else, a number is just a message; an unclear reply
/// is flagged; and the prompt survives `kill -9` (the prompts are rebuilt from the log).
@Suite(.serialized) struct ReplyScoreEndToEndTests {
    static let operatorToken = "mailer-token-0123456789"

    static func config(_ directory: String) throws -> String {
        let channel = """
              - id: sms
                type: sms
                provider: generic
                path: /hooks/sms
                insecure: true
            """
        return try ExecPluginTests.config(
            directory,
            channel: channel,
            streams: "\"*\"",
            extra: """
                customers:
                  inline:
                    - {id: cus_ann, phones: ["+447700900123"]}
                operators:
                  - name: mailer
                    token: \(Self.operatorToken)
                    scopes: [prompts]
                """
        )
    }

    static func sms(_ port: Int, id: String, from: String, text: String) async throws {
        let answer = try await GatewayHarness.post(
            port,
            "/hooks/sms",
            body: GatewayHarness.json(["id": .string(id), "from": .string(from), "text": .string(text)])
        )
        #expect(answer.status == 202)
    }

    static func prompt(
        _ port: Int,
        token: String = operatorToken,
        _ body: JSONValue,
        key: String = "p-1"
    ) async throws -> (status: Int, json: JSONValue?) {
        try await GatewayHarness.post(
            port,
            "/v1/survey-prompts",
            body: GatewayHarness.json(body),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"), ("Idempotency-Key", key)]
        )
    }

    static func data(_ port: Int, count: Int) async throws -> [MessageEvent] {
        try await GatewayHarness.readEvents(port, stream: "sms", query: "?after=0", count: count).map { try MessageEvent.decode(Array($0.data.utf8)) }
    }

    @Test func aReplyToAPromptCarriesItsScoreAndNothingElseDoes() async throws {
        let directory = try ExecPluginTests.workspace("reply-score")
        let configPath = try Self.config(directory)
        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        let promptBody: JSONValue = ["channel": "sms", "survey": "q4", "to": ["phone": "+44 7700 900123"]]

        // A stream reader's token records nothing; bad bodies are refused with their reason.
        #expect(try await Self.prompt(first.port, token: GatewayHarness.readerToken, promptBody).status == 401)
        let bad = try await Self.prompt(first.port, ["channel": "fax", "survey": "q4", "to": ["phone": "+447700900123"]], key: "bad")
        #expect(bad.status == 400)
        #expect(bad.json?.objectValue?["detail"]?.stringValue == "channel: 'fax' is not a channel (channels: sms)")

        let recorded = try await Self.prompt(first.port, promptBody)
        #expect(recorded.status == 202)
        #expect(recorded.json?.objectValue?["customer"]?.stringValue == "cus_ann")
        #expect(
            try await Self.prompt(first.port, promptBody).json?.objectValue?["duplicate"] == .bool(true),
            "the same Idempotency-Key is one prompt"
        )

        try await Self.sms(first.port, id: "m1", from: "+447700900123", text: "9 - great support")
        try await Self.sms(first.port, id: "m2", from: "+15005550006", text: "8")  // no prompt for this sender
        try await Self.sms(first.port, id: "m3", from: "+447700900123", text: "9 or 10")
        var events = try await Self.data(first.port, count: 3)
        #expect(events[0].data.feedback == Feedback(score: 9, reason: "great support", survey: "q4", source: .reply))
        #expect(events[0].data.metadata["surveyPrompt"]?.stringValue == recorded.json?.objectValue?["id"]?.stringValue)
        #expect(events[1].data.feedback == nil)
        #expect(events[1].data.flags.isEmpty)
        #expect(events[2].data.feedback == nil)
        #expect(events[2].data.flags == [ReplyScore.ambiguousFlag])

        first.signal(SIGKILL)
        _ = await first.waitForExit()
        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        defer { second.signal(SIGKILL) }
        try await Self.sms(second.port, id: "m4", from: "+447700900123", text: "10! Sorted in a day")
        events = try await Self.data(second.port, count: 4)
        #expect(events[3].data.feedback?.score == 10, "the prompt is open after a restart")
        #expect(events[3].data.feedback?.source == .reply)

        // NPS counts Ann once: her latest answer.
        let nps = try await GatewayHarness.get(second.port, "/v1/nps?group_by=survey&window=30d")
        let cells = NPSEndToEndTests.cells(try JSONValue.parse(Array(nps.body.utf8)))
        #expect(cells.values.map(\.responses).reduce(0, +) == 1, "\(nps.body)")
        #expect(cells.values.first?.promoters == 1)
    }
}
