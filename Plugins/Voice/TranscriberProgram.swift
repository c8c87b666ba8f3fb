import Foundation
import ListeningPostKit
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The transcriber's exec protocol: the program is run with the audio file's path as its
/// last argument and `LISTENING_POST_LANGUAGE` in its environment, and prints one JSON
/// object on stdout: `{"text": "…", "engine": "…"}` (`engine` names what made the text), or
/// `{"error": "…"}`. A non-zero exit, no object, or a run past the timeout is a failed try.
struct TranscriberProgram: Sendable {
    let command: [String]
    let timeout: Duration

    private struct Outcome: Sendable {
        var terminationStatus: TerminationStatus
        var standardOutput: String?
        var standardError: String?
    }

    func run(audio path: String, language: String) async throws -> (text: String, engine: String) {
        let executable = command[0]
        let arguments = Array(command.dropFirst()) + [path]
        let result = try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                let run = try await Subprocess.run(
                    executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
                    arguments: Arguments(arguments),
                    environment: .inherit.updating(["LISTENING_POST_LANGUAGE": language]),
                    output: .string(limit: 1 << 20),
                    error: .string(limit: 64 << 10)
                )
                return Outcome(terminationStatus: run.terminationStatus, standardOutput: run.standardOutput, standardError: run.standardError)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first: Outcome?? = try await group.next()
            group.cancelAll()
            return first ?? nil
        }
        guard let result else { throw TranscriptionFailure(description: "the transcriber ran past its timeout of \(timeout)") }
        let stdout = result.standardOutput ?? ""
        let stderr = (result.standardError ?? "").trimmingASCIIWhitespace()
        guard case .exited(0) = result.terminationStatus else {
            throw TranscriptionFailure(description: "the transcriber \(result.terminationStatus): \(stderr.suffix(300))")
        }
        let lines = stdout.split(whereSeparator: { (character: Character) in character.isNewline })
        let line = lines.last(where: { !$0.trimmingASCIIWhitespace().isEmpty }) ?? ""
        guard let answer = try? JSONValue.parse(Array(line.utf8)), case .object(let object) = answer else {
            throw TranscriptionFailure(description: "the transcriber printed no JSON object (stderr: \(stderr.suffix(300)))")
        }
        if let error = object["error"]?.stringValue { throw TranscriptionFailure(description: "the transcriber: \(error)") }
        guard let text = object["text"]?.stringValue else { throw TranscriptionFailure(description: "the transcriber's answer has no \"text\"") }
        let engine = object["engine"]?.stringValue ?? URL(fileURLWithPath: executable).lastPathComponent
        return (text.trimmingASCIIWhitespace(), engine)
    }
}
