import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// `GET /v1/themes`, `/v1/themes/suggestions` and `/v1/nps/compare` against the binary:
/// answers with reasons posted to a webhook this month and the month before, themes
/// matched at ingest, a benchmark from the config; every figure checked against the
/// counts posted here and the worked example of docs/insights.md.
@Suite(.serialized) struct NPSInsightsEndToEndTests {
    static func config(_ directory: String) throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: """
                  - id: web
                    type: webhook
                    path: /hooks/web
                    insecure: true
                    mapping:
                      text: /reason
                      dedup_key: /id
                      occurred_at: /at
                      score: /score
                      reason: /reason
                """,
            extra: """
                themes:
                  - {name: wait-time, phrases: {en: [slow, waited too long]}}
                  - {name: refund, phrases: {en: [refund, money back]}}
                benchmarks:
                  - {name: ranged, source: a published study, date: "2026", nps: 40, interval: [30, 50]}
                  - {name: rival, source: their report, date: 2026-06, promoters: 80, passives: 60, detractors: 60}
                """
        )
    }

    /// This month 120 promoters, 50 passives, 30 detractors; the month before 80/60/60.
    /// Twelve detractors write that the courier lost the parcel, eight that it was slow,
    /// ten want a refund; ten promoters write "not slow at all" (negated: not counted).
    static func post(to port: Int, now: Date) async throws -> Int {
        var posted = 0
        func send(_ score: Int, _ reason: String, daysAgo: Double) async throws {
            let body: JSONValue = [
                "id": .string("a\(posted)"), "score": .number(Double(score)), "reason": .string(reason),
                "at": .string(RFC3339.string(from: now.addingTimeInterval(-daysAgo * 86_400))),
            ]
            let answer = try await GatewayHarness.post(port, "/hooks/web", body: GatewayHarness.json(body))
            #expect(answer.status == 202, "\(String(describing: answer.json))")
            posted += 1
        }
        for index in 0..<200 {
            let daysAgo = 1 + Double(index % 25)
            switch index {
            case 0..<12: try await send(2, "the courier lost my parcel", daysAgo: daysAgo)
            case 12..<20: try await send(4, "it was slow", daysAgo: daysAgo)
            case 20..<30: try await send(0, "I want a refund", daysAgo: daysAgo)
            case 30..<80: try await send(7, "fine thanks", daysAgo: daysAgo)
            case 80..<90: try await send(10, "not slow at all", daysAgo: daysAgo)
            default: try await send(9, "quick friendly help", daysAgo: daysAgo)
            }
        }
        for index in 0..<200 {
            let daysAgo = 35 + Double(index % 20)
            try await send(index < 80 ? 10 : index < 140 ? 8 : 3, index < 80 ? "quick friendly help" : "slow", daysAgo: daysAgo)
        }
        return posted
    }

    @Test func driversSuggestionsAndComparisonsMatchWhatWasPosted() async throws {
        let directory = try ExecPluginTests.workspace("insights")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let posted = try await Self.post(to: gateway.port, now: Date())
        #expect(posted == 400)

        let themes = try await NPSEndToEndTests.nps(gateway.port, "/v1/themes?window=30d")
        let cell = try #require(themes.objectValue?["cells"]?.arrayValue?.first?.objectValue)
        #expect(Self.counts(cell) == NPSCell(promoters: 120, passives: 50, detractors: 30))
        let drivers = cell["themes"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(drivers.compactMap { $0["theme"]?.stringValue } == ["refund", "wait-time"], "the costliest first")
        #expect(drivers.map(Self.counts) == [NPSCell(detractors: 10), NPSCell(detractors: 8)], "the negated mentions are not counted")
        // Overall 45; without refund 100/190 = 52.63: −7.63. Without wait-time 98/192 = 51.04: −6.04.
        #expect(drivers.map { $0["impact"]?.numberValue } == [-7.63, -6.04])
        #expect(drivers.first?["npsOthers"]?.numberValue == 52.63)
        #expect(drivers.first?["detractorShare"]?.numberValue == 1)

        let suggestions = try await NPSEndToEndTests.nps(gateway.port, "/v1/themes/suggestions?window=30d")
        #expect(suggestions.objectValue?["method"]?.stringValue == "log-odds-informative-dirichlet")
        let top = try #require(suggestions.objectValue?["detractorPhrases"]?.arrayValue?.first?.objectValue)
        #expect(top["phrase"]?.stringValue == "courier lost parcel")
        #expect(top["detractors"]?.numberValue == 12 && top["promoters"]?.numberValue == 0)
        #expect(top["examples"]?.arrayValue?.count == 3)
        let promoted = suggestions.objectValue?["promoterPhrases"]?.arrayValue?.first?.objectValue
        #expect(promoted?["phrase"]?.stringValue == "quick friendly help")

        // The worked example: 120/50/30 against 80/60/60, the window before and the same counts as a benchmark.
        for against in ["previous", "rival"] {
            let compared = try await NPSEndToEndTests.nps(gateway.port, "/v1/nps/compare?against=\(against)&window=30d")
            let row = try #require(compared.objectValue?["cells"]?.arrayValue?.first?.objectValue, "\(compared)")
            #expect(row["difference"]?.numberValue == 34.48, "\(against)")
            #expect(row["differenceInterval"]?.arrayValue?.compactMap(\.numberValue) == [19.18, 49.78])
            #expect(row["z"]?.numberValue == 4.417)
            #expect(row["verdict"]?.stringValue == "ahead")
            #expect(row["ours"]?.objectValue?["npsAdjusted"]?.numberValue == 44.33)
            #expect(row["theirs"].map(Self.counts) == NPSCell(promoters: 80, passives: 60, detractors: 60))
            #expect(compared.objectValue?["adjustment"]?.stringValue == "none")
        }
        let previous = try await NPSEndToEndTests.nps(gateway.port, "/v1/nps/compare?against=previous&window=30d")
        #expect(previous.objectValue?["cells"]?.arrayValue?.first?.objectValue?["answersToDetect5Points"]?.numberValue == 3_884)
        let ranged = try await NPSEndToEndTests.nps(gateway.port, "/v1/nps/compare?against=ranged&window=30d")
        let rangedRow = ranged.objectValue?["cells"]?.arrayValue?.first?.objectValue
        #expect(rangedRow?["verdict"]?.stringValue == "no evidence of a difference")
        #expect(rangedRow?["p"]?.numberValue == 0.552)
        #expect(rangedRow?["answersToDetect5Points"] == .null, "the benchmark's own interval is too wide to tell 5 points")
        #expect(ranged.objectValue?["against"]?.objectValue?["source"]?.stringValue == "a published study")
    }

    @Test func badQueriesGetTheirExactAnswer() async throws {
        let directory = try ExecPluginTests.workspace("insights-bad")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let cases: [(String, String)] = [
            ("/v1/nps/compare?against=industry", "against: 'industry' is not a benchmark; use one of previous, ranged, rival"),
            ("/v1/nps/compare", "against: name what to compare with: one of previous, ranged, rival"),
            ("/v1/nps/compare?against=previous&step=1w", "step: a comparison covers one window; ask /v1/nps for a trend"),
            ("/v1/themes?window=soon", "window: 'soon' is not a length"),
            ("/v1/themes?segment=", "segment: give a value, or leave the parameter out for every answer"),
            ("/v1/themes/suggestions?group_by=segment", "group_by: suggestions cover every answer in the range"),
            ("/v1/themes/suggestions?min_answers=0", "min_answers: '0' is not a whole number from 1 to 1000000"),
            ("/v1/themes/suggestions?limit=x", "limit: 'x' is not a whole number from 1 to 200"),
        ]
        for (path, detail) in cases {
            let answer = try await GatewayHarness.get(gateway.port, path)
            #expect(answer.status == 400, "\(path)")
            #expect(answer.body.contains(detail), "\(path): \(answer.body)")
        }
        for path in ["/v1/themes", "/v1/themes/suggestions", "/v1/nps/compare?against=previous"] {
            #expect(try await GatewayHarness.get(gateway.port, path, token: nil).status == 401, "\(path)")
        }
    }

    static func counts(_ value: JSONValue) -> NPSCell { counts(value.objectValue ?? [:]) }

    static func counts(_ fields: [String: JSONValue]) -> NPSCell {
        let count = { (name: String) -> Int in fields[name]?.numberValue.map { Int($0) } ?? -1 }
        return NPSCell(promoters: count("promoters"), passives: count("passives"), detractors: count("detractors"))
    }
}
