import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Testing

/// Each file under Fixtures/config is a config, a line of ten dashes, then exactly what
/// `listening-post check` would print for it (`OK` when it is valid).
@Suite struct ConfigGoldenTests {
    static let fixtures: [URL] = {
        let directory = Bundle.module.url(forResource: "Fixtures/config", withExtension: nil)!
        return try! FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "txt" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }()

    static let environment = ["PRESENT": "from-env", "EMPTY": "", "SECRET_TOKEN": "s3cr3t-token-value"]

    @Test(arguments: fixtures)
    func matchesGolden(_ fixture: URL) throws {
        let parts = try String(contentsOf: fixture, encoding: .utf8).components(separatedBy: "\n----------\n")
        #expect(parts.count == 2, "fixture needs a config, a ---------- line, and the expected output")
        let expected = parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
        let actual = Self.check(parts[0])
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1", actual != expected {
            // The bundle holds a copy; write the source file (Tests/…/Fixtures/config).
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Fixtures/config/\(fixture.lastPathComponent)"
            )
            try (parts[0] + "\n----------\n" + actual + "\n").write(to: source, atomically: true, encoding: .utf8)
        }
        #expect(actual == expected, "\(fixture.lastPathComponent)")
    }

    /// What `check` prints: every problem, warnings included, or OK.
    static func check(_ yaml: String) -> String {
        ConfigCheck.render(yaml, registry: AdapterRegistry([EchoAdapter.self]), environment: environment)
    }
}
