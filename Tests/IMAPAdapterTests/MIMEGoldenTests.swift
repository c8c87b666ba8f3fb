import Foundation
import ListeningPostKit
import Testing

@testable import IMAPAdapter

/// Raw `.eml` in, the exact message out. Each file under Fixtures/mime is the message
/// (LF line ends, turned into CRLF as mail has them), a `----------` line, and the message
/// JSON the gateway would store (as mailbox INBOX, UIDVALIDITY 7, UID 42).
/// `UPDATE_GOLDEN=1 swift test --filter MIMEGoldenTests` rewrites the expected parts.
@Suite struct MIMEGoldenTests {
    static let fixtures = EndpointFixtures.files("Fixtures/mime")

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) throws {
        let content = try Data(contentsOf: fixture)
        let separator = Array("\n----------\n".utf8)
        let bytes = Array(content)
        guard let split = bytes.firstRange(of: separator) else {
            Issue.record("no ---------- line")
            return
        }
        let eml = Self.crlf(Array(bytes[..<split.lowerBound]))
        let expected = String(decoding: bytes[split.upperBound...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = EmailMessageMapper.message(from: eml, at: .init(mailbox: "INBOX", uidValidity: 7, uid: 42))
        let actual = Self.render(message)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/mime/\(fixture.lastPathComponent)"
            )
            try Data(bytes[..<split.upperBound] + Array((actual + "\n").utf8)).write(to: source)
        }
        #expect(actual == expected, "\(fixture.lastPathComponent)")
    }

    /// LF to CRLF.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for byte in bytes {
            if byte == 0x0A { output.append(0x0D) }
            output.append(byte)
        }
        return output
    }

    static func render(_ message: InboundMessage) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        return String(decoding: (try? encoder.encode(message)) ?? Data(), as: UTF8.self)
    }
}

enum EndpointFixtures {
    static func files(_ directory: String) -> [URL] {
        let url = Bundle.module.url(forResource: directory, withExtension: nil)!
        return ((try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
