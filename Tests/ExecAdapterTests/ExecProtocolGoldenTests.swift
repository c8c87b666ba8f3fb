import Foundation
import ListeningPostKit
import Testing

@testable import ExecAdapter

/// Golden files for exec protocol v1: each line of `Fixtures/plugin-lines.jsonl` decoded
/// to the message the gateway would store, or the error the plugin would get, one result
/// per line in `plugin-lines.expected`. `UPDATE_GOLDEN=1` rewrites the expected file.
struct ExecProtocolGoldenTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    @Test func pluginLinesDecodeAsTheGoldenFileSays() throws {
        let input = try String(contentsOf: Self.fixtures.appendingPathComponent("plugin-lines.jsonl"), encoding: .utf8)
        var rendered: [String] = []
        for line in input.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            rendered.append("> " + line)
            rendered.append("< " + Self.render(line))
        }
        let actual = rendered.joined(separator: "\n") + "\n"
        let expectedURL = Self.sourceFixture("plugin-lines.expected")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("plugin-lines.expected"), encoding: .utf8)
        #expect(actual == expected)
    }

    @Test func gatewayLinesAreOneCompactObjectEach() {
        #expect(
            String(decoding: ExecGatewayLine.hello(channel: "nps", checkpoint: nil), as: UTF8.self)
                == #"{"channel":"nps","checkpoint":null,"type":"hello","v":1}"# + "\n"
        )
        #expect(
            String(
                decoding: ExecGatewayLine.ack(line: 3, ref: "r-3", receipt: IngestReceipt(eventId: "e1", duplicate: true), checkpoint: "42"),
                as: UTF8.self
            )
                == #"{"checkpoint":"42","duplicate":true,"id":"e1","line":3,"ref":"r-3","type":"ack"}"# + "\n"
        )
        #expect(
            String(decoding: ExecGatewayLine.error(line: 4, ref: nil, code: "malformed", message: "not JSON"), as: UTF8.self)
                == #"{"code":"malformed","error":"not JSON","line":4,"type":"error"}"# + "\n"
        )
    }

    /// Bytes that are not UTF-8 (a plugin writing a legacy charset) are refused with an
    /// error saying so, as RFC 8259 requires of JSON, never a crash.
    @Test func invalidUTF8IsRefusedClearly() {
        let bytes = Array(#"{"v":1,"type":"message","dedupKey":"k","text":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8)
        #expect(throws: ExecPluginLine.Refusal(reason: "not JSON: a string is not valid UTF-8 at byte 51", code: "malformed")) {
            try ExecPluginLine.decode(bytes)
        }
    }

    static func render(_ line: Substring) -> String {
        do {
            let decoded = try ExecPluginLine.decode(Array(line.utf8))
            var object: [String: JSONValue] = [:]
            if let checkpoint = decoded.checkpoint { object["checkpoint"] = .string(checkpoint) }
            if let ref = decoded.ref { object["ref"] = ref }
            switch decoded.kind {
            case .checkpoint: object["kind"] = "checkpoint"
            case .sent(let id, let providerId): object["sent"] = ["id": .string(id), "providerId": .string(providerId)]
            case .sendFailed(let id, let error, let retryable, let retryAfter):
                object["sendFailed"] = [
                    "id": .string(id), "error": .string(error), "retryable": .bool(retryable),
                    "retryAfter": retryAfter.map { .number(Double($0)) } ?? .null,
                ]
            case .message(let message):
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                object["message"] = try? JSONValue.parse(Array((try? encoder.encode(message)) ?? Data()))
            }
            return String(decoding: JSONValue.object(object).compactJSON(), as: UTF8.self)
        } catch {
            return "error \(error.code): \(error.reason)"
        }
    }

    static func sourceFixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    }
}
