import Foundation
import ListeningPostKit
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
        guard FileManager.default.isExecutableFile(atPath: python.path), FileManager.default.isExecutableFile(atPath: v3.path) else { throw Missing() }
        let process = Process()
        process.executableURL = python
        process.arguments = [root.appendingPathComponent("Tests/Interop/sign.py").path]
        process.environment = ["VONAGE_V3_PYTHON": v3.path, "PATH": "/usr/bin:/bin"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let lines = requests.map { String(decoding: $0.compactJSON(), as: UTF8.self) }.joined(separator: "\n") + "\n"
        input.fileHandleForWriting.write(Data(lines.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let status = ChildProcess.waitForExitBlocking(process)
        guard status == 0 else { throw ProcessFailed(status: status) }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
    }

    struct ProcessFailed: Error, CustomStringConvertible {
        let status: Int32
        var description: String { "sign.py exited with \(status)" }
    }
}
