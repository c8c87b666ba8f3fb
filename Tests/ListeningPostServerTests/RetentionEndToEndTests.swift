import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1
import Testing

/// `store.retention` in the running binary: past `max_size` the oldest messages go while
/// posts keep being acknowledged, `/v1/streams` and `/metrics` show each stream's oldest
/// offset, and a subscriber asking for a deleted offset gets a 410 naming where to resume,
/// never a silent jump.
@Suite struct RetentionEndToEndTests {
    @Test func pastMaxSizeTheOldestGoAndAReaderOfThemHears410() async throws {
        let directory = try ExecPluginTests.workspace("retention")
        let config = try ExecPluginTests.config(
            directory,
            channel: "  - {id: form, type: webhook, path: /hooks/form, insecure: true, mapping: {dedup_key: /id, text: /text}}",
            streams: "\"*\""
        )
        // The helper writes `store:` with only a path: add the retention under it.
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  path: \(directory)/data\n",
            with: "  path: \(directory)/data\n  retention: {max_size: 1MiB, interval: 1s}\n"
        )
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let gateway = try await GatewayProcess.start(config: config, logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let port = gateway.port

        // About 2.5 MB of messages, four clients at once; every one must be acknowledged.
        let words = String(repeating: "the delivery was late again ", count: 150)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    for index in 0..<150 {
                        let answer = try await GatewayHarness.post(
                            port,
                            "/hooks/form",
                            body: GatewayHarness.json(["id": .string("r\(client)-\(index)"), "text": .string(words)])
                        )
                        #expect(answer.status == 202)
                    }
                }
            }
            try await group.waitForAll()
        }

        // Retention catches up within a few sweeps.
        var oldest: Int64 = 1
        let deadline = ContinuousClock.now + .seconds(30)
        while oldest <= 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            oldest = try await Self.oldest(port, stream: "form")
        }
        try #require(oldest > 1, "retention deleted the oldest messages")
        // Under load a sweep may still be running: wait until it has settled, so the offsets
        // below are not deleted between the two requests.
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            let now = try await Self.oldest(port, stream: "form")
            if now == oldest { break }
            oldest = now
        }
        #expect(try await CrashSafetyTests.head(port: port, stream: "form") == 600, "the head never moves back")

        // A reader from the start is told, with a problem, where it can resume.
        let refused = try await Self.events(port, query: "?after=0")
        #expect(refused.status == 410)
        let problem = try JSONValue.parse(Array(refused.body.utf8)).objectValue ?? [:]
        #expect(problem["type"] == "https://listening-post.dev/problems/offsets-deleted")
        #expect(problem["detail"]?.stringValue?.contains("the oldest kept is \(oldest): resume with ?after=\(oldest - 1)") == true, "\(problem)")
        // Resuming there reads on without a gap.
        let events = try await GatewayHarness.readEvents(port, stream: "form", query: "?after=\(oldest - 1)", count: 3)
        #expect(events.map(\.lastEventId) == (oldest..<oldest + 3).map(String.init))

        let metrics = try await GatewayHarness.get(port, "/metrics", token: nil).body
        #expect(metrics.contains("listening_post_stream_oldest_offset{stream=\"form\"}"))
        let deleted = metrics.split(separator: "\n").first { $0.hasPrefix("listening_post_retention_deleted_events_total ") }
        #expect((deleted.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) >= Double(oldest - 1))
    }

    static func oldest(_ port: Int, stream: String) async throws -> Int64 {
        let body = try await GatewayHarness.get(port, "/v1/streams").body
        guard case .array(let streams)? = try JSONValue.parse(Array(body.utf8)).objectValue?["streams"],
            let entry = streams.first(where: { $0.objectValue?["name"]?.stringValue == stream }),
            let value = entry.objectValue?["oldest"]?.numberValue
        else { return 0 }
        return Int64(value)
    }

    static func events(_ port: Int, query: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequestBuilder.get(port, "/v1/streams/form/events\(query)", token: GatewayHarness.readerToken)
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), String(buffer: body))
    }
}
