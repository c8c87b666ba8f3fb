import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostTesting
import Testing

/// The README's first example, run as a new user would: its request, sent to the binary
/// serving the example `channels.yaml`, and every claim the README makes about the event
/// (the `data` excerpt it shows, and the exact streams it lands in), read from the README
/// itself. Change the example's address, a claim, or the example config, and this fails.
@Suite(.serialized) struct ReadmeQuickstartTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Quickstart {
        var path: String
        var body: String
        var excerpt: JSONValue
        var streams: [String]
        /// Whether the README says the event opens a case.
        var opensCase: Bool
    }

    /// The first `curl … /hooks/…` block, the ```json excerpt after it, and the streams named
    /// in the sentence "… lands in streams `a`, `b` …".
    static func quickstart(from readme: String) throws -> Quickstart {
        let blocks = readme.components(separatedBy: "```")
        let curl = try #require(
            blocks.firstIndex { $0.hasPrefix("sh\n") && $0.contains("curl") && $0.contains("/hooks/") },
            "no curl example in README.md"
        )
        let command = blocks[curl]
        let path = try #require(command.firstMatch(of: /localhost:8080(\/[^\s']+)/)?.1, "no localhost:8080 path in the curl example")
        let body = try #require(command.firstMatch(of: /-d '([^']*)'/)?.1, "no -d '…' body in the curl example")
        let json = try #require(blocks[(curl + 1)...].first { $0.hasPrefix("json\n") }, "no ```json excerpt after the curl example")
        let excerpt = try JSONValue.parse(Array(json.dropFirst(5).utf8))
        let after = blocks[(curl + 1)...].joined(separator: "```")
        let sentence = try #require(after.firstMatch(of: /lands in\s+streams\s+([^.]*)\./)?.1, "no 'lands in streams …' sentence")
        let streams = sentence.matches(of: /`([^`]+)`/).map { String($0.1) }
        return Quickstart(
            path: String(path),
            body: String(body),
            excerpt: excerpt,
            streams: streams,
            opensCase: after.contains("opens\na case") || after.contains("opens a case")
        )
    }

    @Test func theReadmesFirstExampleIsTrue() async throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try Self.quickstart(from: readme)
        #expect(example.streams.count >= 2, "the README names the streams")

        let directory = try ExecPluginTests.workspace("readme")
        let gateway = try await GatewayProcess.start(
            config: Self.root.appendingPathComponent("channels.yaml").path,
            logFile: directory + "/gateway.log",
            environment: ["LISTENING_POST_PORT": "0", "LISTENING_POST_DATA": directory + "/data"]
        )
        defer { gateway.signal(SIGKILL) }

        let answer = try await GatewayHarness.post(gateway.port, example.path, body: Array(example.body.utf8))
        #expect(answer.status == 202)
        let id = try #require(answer.json?.objectValue?["id"]?.stringValue)

        let stored = try await GatewayHarness.readEvents(gateway.port, stream: "all", query: "?after=0", count: 1, token: "demo-token-change-me")
        let event = try JSONValue.parse(Array(try #require(stored.first).data.utf8))
        #expect(event.objectValue?["id"]?.stringValue == id)
        let data = try #require(event.objectValue?["data"])
        for mismatch in Self.mismatches(expected: example.excerpt, actual: data, at: "data") {
            Issue.record("README claims \(mismatch)")
        }

        // Exactly the streams claimed. The data directory is new and holds this one event, so
        // the streams it landed in are those with a head; each of them holds it.
        let listing = try await GatewayHarness.get(gateway.port, "/v1/streams", token: "demo-token-change-me")
        guard case .array(let streams)? = try JSONValue.parse(Array(listing.body.utf8)).objectValue?["streams"] else {
            Issue.record("no stream list: \(listing.body)")
            return
        }
        let filled = streams.compactMap { entry -> String? in
            guard case .number(let head)? = entry.objectValue?["head"], head > 0 else { return nil }
            return entry.objectValue?["name"]?.stringValue
        }
        // A case, when the README says one opens: on `cases`, naming this message.
        #expect(
            filled.sorted() == (example.streams + (example.opensCase ? [CaseEvent.stream] : [])).sorted(),
            "the README names the streams the event lands in"
        )
        if example.opensCase {
            let cases = try await GatewayHarness.readEvents(
                gateway.port,
                stream: CaseEvent.stream,
                query: "?after=0",
                count: 1,
                token: "demo-token-change-me"
            )
            let opened = try #require(cases.first.flatMap { CaseEvent(event: Array($0.data.utf8)) })
            #expect(opened.kind == .opened)
            #expect(opened.details["message"]?.stringValue == id)
            #expect(CaseRecord(opened: opened)?.targets["first_response"]?.seconds == 3 * 3600, "the README says 3 hours")
        }
        for stream in filled {
            let first = try await GatewayHarness.readEvents(gateway.port, stream: stream, query: "?after=0", count: 1, token: "demo-token-change-me")
            #expect(first.first?.lastEventId == "1")
            #expect(first.first?.data.contains(id) == true, "stream \(stream) holds the README's event")
        }

        // "Close the loop": the README's walk-through, step by step, with its demo operator token.
        guard example.opensCase else { return }
        let desk = "demo-operator-token-change-me"
        func call(_ path: String, _ body: JSONValue) async throws -> (status: Int, json: JSONValue?) {
            try await GatewayHarness.post(
                gateway.port,
                path,
                body: GatewayHarness.json(body),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(desk)")]
            )
        }
        let queue = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/cases", token: desk).body.utf8))
        guard case .array(let cases)? = queue.objectValue?["cases"], let caseId = cases.first?.objectValue?["id"]?.stringValue else {
            Issue.record("no case in \(queue)")
            return
        }
        #expect(try await call("/v1/cases/\(caseId)/responses", ["text": "Sorry Ann, we are on it"]).status == 200)
        #expect(try await call("/v1/cases/\(caseId)/resolve", ["root_cause": "queue understaffed", "resolution": "called her back"]).status == 200)
        let yes = try await GatewayHarness.post(
            gateway.port,
            example.path,
            body: Array(#"{"response_id":"r-2","reason":"Yes, all sorted","respondent":{"email":"ann@example.com"}}"#.utf8)
        )
        #expect(yes.status == 202)
        let detail = try JSONValue.parse(Array(try await GatewayHarness.get(gateway.port, "/v1/cases/\(caseId)", token: desk).body.utf8)).objectValue
        #expect(detail?["state"] == "closed", "the README says her yes closes the case")
        #expect(detail?["outcome"] == "confirmed")
    }

    /// Where `actual` differs from the members `expected` names (a subset match).
    static func mismatches(expected: JSONValue, actual: JSONValue?, at path: String) -> [String] {
        guard case .object(let members) = expected else {
            return expected == actual
                ? []
                : [
                    "\(path) = \(String(decoding: expected.compactJSON(), as: UTF8.self)), but the event has \(actual.map { String(decoding: $0.compactJSON(), as: UTF8.self) } ?? "nothing")"
                ]
        }
        return members.sorted { $0.key < $1.key }.flatMap { key, value in
            mismatches(expected: value, actual: actual?.objectValue?[key], at: "\(path).\(key)")
        }
    }
}
