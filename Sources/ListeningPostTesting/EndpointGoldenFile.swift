import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit

/// Golden files for push adapters: raw request in, exact answer and stored message out.
///
/// A file has three parts separated by `----------` lines:
/// 1. the channel's YAML fields, indented as under `- id: hook`;
/// 2. the request: an optional `@now <unix seconds>` line (the adapter's clock), the
///    request line, headers, a blank line, the body;
/// 3. the status, the response body (JSON pretty-printed with sorted keys; any other body
///    after its `Content-Type`), and for a stored message the message as JSON.
///
/// Set `UPDATE_GOLDEN=1` to rewrite the expected parts in the source tree; review the diff.
public struct EndpointGoldenFile: Sendable {
    /// The file as read (from the test bundle).
    public let url: URL
    /// Part 1.
    public let channelYAML: String
    /// Part 2.
    public let rawRequest: String
    /// Part 3, trimmed.
    public let expected: String

    /// Reads and splits a golden file.
    public init(contentsOf url: URL) throws {
        let parts = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n----------\n")
        guard parts.count == 3 else { throw GoldenFileError(description: "\(url.lastPathComponent) needs config, request and expected parts") }
        self.url = url
        channelYAML = parts[0]
        rawRequest = parts[1]
        expected = parts[2].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `.txt` files of a directory, sorted by name.
    public static func files(in directory: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Runs the request against a fresh instance of the adapter and renders the outcome.
    public func run(_ adapter: any ChannelAdapter.Type, defaultNow: TimeInterval = 1_614_265_330) async throws -> String {
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
            fields.append(
                HTTPField(name: HTTPField.Name(String(pair[0]))!, value: pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : "")
            )
        }
        let body = Array(lines.dropFirst().joined(separator: "\n").utf8)
        let method = HTTPRequest.Method(String(requestLine[0]))!
        let target = String(requestLine[1])
        let head = HTTPRequest(
            method: method,
            scheme: "http",
            authority: fields[HTTPField.Name("Host")!] ?? "gateway",
            path: target,
            headerFields: fields
        )

        let sink = RecordingSink()
        let clock = ManualClock(now: Date(timeIntervalSince1970: now))
        let yaml = "channels:\n  - id: hook\n    type: \(adapter.kind)\n" + channelYAML
        let registry = AdapterRegistry([adapter])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        let channels = try ChannelAssembly.instantiate(config, registry: registry) { .testing(channel: $0.identity, sink: sink, clock: clock) }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        guard let endpoint = channels[0].adapter.endpoints.first(where: { $0.method == method && $0.path == path }) else {
            return "no endpoint for \(method.rawValue) \(path)"
        }
        let response = await endpoint.handler(InboundHTTPRequest(head: head, body: body))
        var output = "\(response.status.code)"
        if let value = try? JSONValue.parse(response.body) {
            output += "\n" + Self.pretty(value)
        } else if !response.body.isEmpty {
            output += "\nContent-Type: \(response.headerFields[.contentType] ?? "none")\n" + String(decoding: response.body, as: UTF8.self)
        }
        for message in sink.messages {
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

    /// With `UPDATE_GOLDEN=1`, writes `actual` as the expected part of the file's source
    /// copy in `sourceDirectory`.
    public func updateIfRequested(actual: String, sourceDirectory: URL) throws {
        guard ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" else { return }
        let source = sourceDirectory.appendingPathComponent(url.lastPathComponent)
        try (channelYAML + "\n----------\n" + rawRequest + "\n----------\n" + actual + "\n").write(to: source, atomically: true, encoding: .utf8)
    }

    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}

/// A golden file that cannot be used.
public struct GoldenFileError: Error, CustomStringConvertible {
    public let description: String
}
