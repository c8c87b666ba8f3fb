import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// `GET /v1/nps` against the binary: answers from two channels and three segments, with
/// corrections (a later answer of the same customer and survey), answers that arrive late
/// (given before an answer already stored), and anonymous ones; compared with a count
/// written here over the stored events, before and after `kill -9` and a restart (which
/// rebuilds the projection from the log).
@Suite(.serialized) struct NPSEndToEndTests {
    static func config(_ directory: String) throws -> String {
        let channel = { (id: String) in
            """
              - id: \(id)
                type: webhook
                path: /hooks/\(id)
                insecure: true
                mapping:
                  text: /reason
                  author_email: /email
                  dedup_key: /id
                  occurred_at: /at
                  score: /score
                  reason: /reason
                  survey: /survey
            """
        }
        return try ExecPluginTests.config(
            directory,
            channel: channel("web") + "\n" + channel("sms"),
            extra: """
                nps:
                  min_responses: 5
                customers:
                  inline:
                    - {id: c-gold-1, emails: [g1@example.com], attributes: {tier: gold}}
                    - {id: c-gold-2, emails: [g2@example.com], attributes: {tier: gold}}
                    - {id: c-part-1, emails: [p1@partner.example]}
                segments:
                  - {name: gold, when: {attribute: {tier: gold}}}
                  - {name: partners, when: {email_domain: partner.example}}
                  - {name: standard}
                """
        )
    }

    @Test func npsMatchesACountOverTheStoredEventsBeforeAndAfterKillDashNine() async throws {
        let directory = try ExecPluginTests.workspace("nps")
        let configPath = try Self.config(directory)
        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        var random = SeededRandom(seed: 42)
        let emails = ["g1@example.com", "g2@example.com", "p1@partner.example"] + (1...12).map { "s\($0)@example.com" }
        let now = Date()
        var posted = 0
        for index in 0..<240 {
            let channel = random.next() % 2 == 0 ? "web" : "sms"
            var body: [String: JSONValue] = [
                "id": .string("a\(index)"), "score": .number(Double(random.next() % 11)), "reason": .string("reason \(index)"),
                "survey": .string(random.next() % 3 == 0 ? "onboarding" : "q4"),
                // Within the last 20 days, in no particular order: some arrive after later ones.
                "at": .string(RFC3339.string(from: now.addingTimeInterval(-Double(random.next() % (20 * 86_400))))),
            ]
            if random.next() % 10 != 0 { body["email"] = .string(emails[Int(random.next() % UInt64(emails.count))]) }
            let answer = try await GatewayHarness.post(first.port, "/hooks/\(channel)", body: GatewayHarness.json(.object(body)))
            #expect(answer.status == 202)
            posted += 1
        }
        let query = "/v1/nps?group_by=segment,channel&window=30d"
        let before = try await Self.nps(first.port, query)
        let expected = try await Self.independentCount(port: first.port, events: posted, since: now.addingTimeInterval(-30 * 86_400))
        #expect(Self.cells(before) == expected)
        #expect(expected.values.reduce(0) { $0 + $1.responses } > 20, "enough answers count")

        first.signal(SIGKILL)
        _ = await first.waitForExit()
        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        defer { second.signal(SIGKILL) }
        let after = try await Self.nps(second.port, query)
        #expect(Self.cells(after) == expected, "the rebuilt projection gives the same figures")

        // Every cell below min_responses says so; the interval brackets the score.
        guard case .array(let cells)? = after.objectValue?["cells"] else {
            Issue.record("no cells")
            return
        }
        for cell in cells {
            let fields = cell.objectValue ?? [:]
            guard case .number(let responses)? = fields["responses"], case .bool(let insufficient)? = fields["insufficient"],
                case .number(let score)? = fields["nps"], case .array(let interval)? = fields["npsInterval"],
                case .number(let low)? = interval.first, case .number(let high)? = interval.last
            else {
                Issue.record("cell without its fields: \(cell)")
                continue
            }
            #expect(insufficient == (responses < 5))
            #expect(low <= score + 0.01 && score <= high + 0.01 || responses < 3, "\(cell)")
        }
    }

    @Test func badQueriesGetTheirExactAnswer() async throws {
        let directory = try ExecPluginTests.workspace("nps-bad")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let cases: [(String, String?, Int, String)] = [
            (
                "/v1/nps?group_by=region", GatewayHarness.readerToken, 400,
                "group_by: 'region' is not a dimension; use any of segment, channel, survey (comma-separated)"
            ),
            (
                "/v1/nps?window=soon", GatewayHarness.readerToken, 400,
                "window: 'soon' is not a length; use a whole number and a unit, such as 30d, 1w, 12h, 90m or 45s"
            ),
            ("/v1/nps", nil, 401, "Authorization: Bearer"),
            ("/v1/nps", "not-a-token-at-all", 401, "the token is not one of this gateway's subscriber tokens"),
        ]
        for (path, token, status, detail) in cases {
            let answer = try await GatewayHarness.get(gateway.port, path, token: token)
            #expect(answer.status == status, "\(path)")
            #expect(answer.body.contains(detail), "\(path): \(answer.body)")
            #expect(answer.body.contains("\"type\""), "a problem body")
        }
    }

    static func nps(_ port: Int, _ path: String) async throws -> JSONValue {
        let answer = try await GatewayHarness.get(port, path)
        #expect(answer.status == 200, "\(answer.body)")
        return try JSONValue.parse(Array(answer.body.utf8))
    }

    static func cells(_ report: JSONValue) -> [String: NPSCell] {
        guard case .array(let cells)? = report.objectValue?["cells"] else { return [:] }
        var result: [String: NPSCell] = [:]
        for cell in cells {
            let fields = cell.objectValue ?? [:]
            let count = { (name: String) -> Int in if case .number(let n)? = fields[name] { Int(n) } else { -1 } }
            result["\(fields["segment"]?.stringValue ?? "?")|\(fields["channel"]?.stringValue ?? "?")"] =
                NPSCell(promoters: count("promoters"), passives: count("passives"), detractors: count("detractors"))
        }
        return result
    }

    /// Reads every stored event and counts, per segment and channel, the latest answer of
    /// each customer (or anonymous sender) and survey since `since`.
    static func independentCount(port: Int, events: Int, since: Date) async throws -> [String: NPSCell] {
        let stored = try await GatewayHarness.readEvents(port, stream: "all", query: "?after=0", count: events)
        #expect(stored.count == events)
        var latest: [String: (at: Date, order: Int, event: MessageEvent)] = [:]
        for (order, entry) in stored.enumerated() {
            let event = try MessageEvent.decode(Array(entry.data.utf8))
            guard let feedback = event.data.feedback, let at = event.data.occurredAt, at >= since else { continue }
            let who = (event.data.customer?.id ?? "anonymous-\(event.data.channel.id)-\(event.data.dedupKey)") + "/" + (feedback.survey ?? "")
            if let current = latest[who], (current.at, current.order) > (at, order) { continue }
            latest[who] = (at, order, event)
        }
        var cells: [String: NPSCell] = [:]
        for (_, value) in latest {
            cells["\(value.event.data.segment ?? "")|\(value.event.data.channel.id)", default: NPSCell()].count(value.event.data.feedback!.category)
        }
        return cells
    }
}
