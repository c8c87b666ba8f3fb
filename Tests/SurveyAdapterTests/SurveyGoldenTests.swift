import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import SurveyAdapter
import Testing

/// Golden files (see ``EndpointGoldenFile``): a survey tool's delivery in, the exact answer
/// and stored message out. The requests are signed by Fixtures/make-fixtures.py with
/// `openssl dgst`, not with the adapter's code. `UPDATE_GOLDEN=1 swift test --filter
/// SurveyGoldenTests` rewrites the expected parts.
@Suite struct SurveyGoldenTests {
    static let fixtures = EndpointGoldenFile.files(in: Bundle.module.url(forResource: "Fixtures/survey", withExtension: nil)!)

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let golden = try EndpointGoldenFile(contentsOf: fixture)
        let actual = try await golden.run(SurveyAdapter.self)
        try golden.updateIfRequested(
            actual: actual,
            sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/survey")
        )
        #expect(actual == golden.expected, "\(fixture.lastPathComponent)")
    }

    @Test func everyProviderHasItsCases() {
        let names = Self.fixtures.map(\.lastPathComponent)
        for provider in ["typeform", "delighted", "formbricks"] {
            #expect(names.filter { $0.hasPrefix(provider) }.count >= 3, "\(provider) golden files")
        }
    }
}

/// A Delighted update (a comment added to a score) supersedes the response's first
/// delivery: its feedback names that event, so NPS never counts the response twice.
@Suite struct DelightedSupersedesTests {
    @Test func anUpdateNamesTheEventItCorrects() async throws {
        let files = SurveyGoldenTests.fixtures
        let created = try EndpointGoldenFile(contentsOf: try #require(files.first { $0.lastPathComponent == "delighted-created.txt" }))
        let updated = try EndpointGoldenFile(contentsOf: try #require(files.first { $0.lastPathComponent == "delighted-updated-with-comment.txt" }))
        let sink = RecordingSink()
        let adapter = try SurveyGoldenTests.adapter(yaml: created.channelYAML, sink: sink)
        let first = try await SurveyGoldenTests.send(created.rawRequest, to: adapter)
        #expect(first.status == .accepted)
        let second = try await SurveyGoldenTests.send(updated.rawRequest, to: adapter)
        #expect(second.status == .accepted)
        #expect(sink.messages.count == 2)
        let firstId = try #require(try JSONValue.parse(first.body).objectValue?["id"]?.stringValue)
        #expect(sink.messages[1].feedback?.supersedes == firstId)
        #expect(sink.messages[1].feedback?.reason == "Your service is slow, but nearly flawless!")
        #expect(sink.messages[0].occurredAt == sink.messages[1].occurredAt, "both dated by the response's created_at")
        // The same update delivered again is a duplicate, not a third answer.
        _ = try await SurveyGoldenTests.send(updated.rawRequest, to: adapter)
        #expect(sink.messages.count == 2)
    }
}

extension SurveyGoldenTests {
    static func adapter(yaml: String, sink: RecordingSink) throws -> any ChannelAdapter {
        let registry = AdapterRegistry([SurveyAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: "channels:\n  - id: hook\n    type: survey\n" + yaml)
        return try ChannelAssembly.instantiate(config, registry: registry) {
            .testing(channel: $0.identity, sink: sink, clock: ManualClock(now: Date(timeIntervalSince1970: 1_614_265_330)))
        }[0].adapter
    }

    /// Sends a golden file's raw request (request line, headers, blank line, body).
    static func send(_ raw: String, to adapter: any ChannelAdapter) async throws -> InboundHTTPResponse {
        var lines = raw.components(separatedBy: "\n")
        let target = String(lines.removeFirst().split(separator: " ")[1])
        var fields = HTTPFields()
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            let pair = line.split(separator: ":", maxSplits: 1)
            fields.append(HTTPField(name: HTTPField.Name(String(pair[0]))!, value: pair[1].trimmingCharacters(in: .whitespaces)))
        }
        let body = Array(lines.dropFirst().joined(separator: "\n").utf8)
        let head = HTTPRequest(method: .post, scheme: "http", authority: "gateway", path: target, headerFields: fields)
        return await adapter.endpoints[0].handler(InboundHTTPRequest(head: head, body: body))
    }
}
