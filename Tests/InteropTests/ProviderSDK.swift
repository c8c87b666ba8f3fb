import Foundation
import ListeningPostKit
import ListeningPostTesting
import TestSupport

/// The providers' own SDKs, driven through Tests/Interop/sign.py in the virtualenvs that
/// `make test` sets up (scripts/setup-interop.sh).
struct ProviderSDK {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Missing: Error, CustomStringConvertible {
        var description: String { "the provider SDK virtualenvs are missing: run scripts/setup-interop.sh (make test does)" }
    }

    /// Signs each request with the SDK named in it; one JSON answer per request. The
    /// Python process is waited for on a thread of its own, not on one of the few threads
    /// every concurrently running test shares.
    static func sign(_ requests: [JSONValue]) async throws -> [JSONValue] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try signBlocking(requests) }) }.start()
        }
    }

    private static func signBlocking(_ requests: [JSONValue]) throws -> [JSONValue] {
        let python = root.appendingPathComponent(".venv-interop/bin/python")
        let v3 = root.appendingPathComponent(".venv-interop-v3/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path), FileManager.default.isExecutableFile(atPath: v3.path) else {
            throw Missing()
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("Tests/Interop/sign.py").path]
        process.environment = ["VONAGE_V3_PYTHON": v3.path, "PATH": "/usr/bin:/bin"]
        // Files, not pipes: a process another test starts at the same moment (a Dovecot
        // that daemonizes) can inherit a pipe's write end, and then sign.py never sees the
        // end of its input and this never sees the end of its output. A CI run hung so.
        let directory = URL(fileURLWithPath: TemporaryDirectory.make("lp-sign"))
        let inputURL = directory.appendingPathComponent("requests.jsonl")
        let outputURL = directory.appendingPathComponent("signed.jsonl")
        let lines = requests.map { String(decoding: $0.compactJSON(), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try Data(lines.utf8).write(to: inputURL)
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let input = try FileHandle(forReadingFrom: inputURL)
        let output = try FileHandle(forWritingTo: outputURL)
        defer {
            try? input.close()
            try? output.close()
        }
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let status = ChildProcess.waitForExitBlocking(process)
        guard status == 0 else { throw ProcessFailed(status: status) }
        let data = try Data(contentsOf: outputURL)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
    }

    struct ProcessFailed: Error, CustomStringConvertible {
        let status: Int32
        var description: String { "sign.py exited with \(status)" }
    }
}
