import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Testing
import WebhookAdapter

/// Golden files: raw request in, exact answer (and stored message) out.
///
/// Each file under Fixtures/webhook has three parts separated by `----------` lines:
/// 1. the channel's YAML fields (indented as under `- id: hook`),
/// 2. the request: an optional `@now <unix seconds>` line, the request line, headers,
///    a blank line, the body,
/// 3. the status, the response body, and for an accepted message the stored message.
///
/// `UPDATE_GOLDEN=1 swift test --filter WebhookGoldenTests` rewrites the expected parts.
@Suite struct WebhookGoldenTests {
    static let fixtures: [URL] = {
        let directory = Bundle.module.url(forResource: "Fixtures/webhook", withExtension: nil)!
        return try! FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }()

    /// The official Standard Webhooks vector's timestamp, so its signature verifies.
    static let defaultNow: TimeInterval = 1_614_265_330

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) async throws {
        let parts = try String(contentsOf: fixture, encoding: .utf8).components(separatedBy: "\n----------\n")
        try #require(parts.count == 3, "fixture needs config, request and expected parts")
        let actual = try await Self.run(channelYAML: parts[0], rawRequest: parts[1])
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            // Rewrites the fixture in the source tree; review the diff before committing.
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/webhook/\(fixture.lastPathComponent)")
            try (parts[0] + "\n----------\n" + parts[1] + "\n----------\n" + actual + "\n").write(to: source, atomically: true, encoding: .utf8)
        }
        #expect(actual == parts[2].trimmingCharacters(in: .whitespacesAndNewlines), "\(fixture.lastPathComponent)")
    }

    static func run(channelYAML: String, rawRequest: String) async throws -> String {
        var lines = rawRequest.components(separatedBy: "\n")
        var now = defaultNow
        if let first = lines.first, first.hasPrefix("@now ") {
            now = TimeInterval(first.dropFirst(5))!
            lines.removeFirst()
        }
        let requestLine = lines.removeFirst().split(separator: " ")
        var fields = HTTPFields()
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            let pair = line.split(separator: ":", maxSplits: 1)
            fields.append(HTTPField(name: HTTPField.Name(String(pair[0]))!, value: pair[1].trimmingCharacters(in: .whitespaces)))
        }
        let body = Array(lines.dropFirst().joined(separator: "\n").utf8)
        let head = HTTPRequest(method: HTTPRequest.Method(String(requestLine[0]))!, scheme: "http", authority: "gateway", path: String(requestLine[1]), headerFields: fields)

        let sink = RecordingSink()
        let clock = ManualClock(now: Date(timeIntervalSince1970: now))
        let endpoint = try endpoint(channelYAML: channelYAML, sink: sink, clock: clock)
        let response = await endpoint.handler(InboundHTTPRequest(head: head, body: body))
        var output = "\(response.status.code)\n" + pretty(response.body)
        if let message = sink.messages.first {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(RFC3339.string(from: date))
            }
            output += "\n" + String(decoding: try encoder.encode(message), as: UTF8.self)
        }
        return output
    }

    static func endpoint(channelYAML: String, sink: RecordingSink, clock: ManualClock) throws -> HTTPEndpoint {
        let yaml = "channels:\n  - id: hook\n    type: webhook\n" + channelYAML
        let registry = AdapterRegistry([WebhookAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        let channels = try ChannelAssembly.instantiate(config, registry: registry) { .testing(channel: $0.identity, sink: sink, clock: clock) }
        return channels[0].adapter.endpoints[0]
    }

    static func pretty(_ bytes: [UInt8]) -> String {
        guard let value = try? JSONValue.parse(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }
}
