import Foundation

/// Checks, before the gateway starts, that an exec channel's `command` names a program
/// that can be started the way swift-subprocess will start it: a name is looked up in the
/// plugin's `PATH` (its `env`, else the gateway's), a path with a `/` is taken as is,
/// relative to `working_dir`. A typo then fails `check` and `serve` with its line,
/// instead of a plugin that fails to start again and again under the supervisor.
///
/// The filesystem is passed in, so the rules are tested without one.
struct ExecutableLookup: Sendable {
    enum Entry { case executableFile, file, directory, missing }

    /// What is at a path.
    var entry: @Sendable (String) -> Entry
    /// The gateway's working directory, for a relative `working_dir` or command path.
    var currentDirectory: String

    /// The problem with `working_dir`, or nil.
    func workingDirectoryProblem(_ directory: String) -> String? {
        switch entry(absolute(directory, in: currentDirectory)) {
        case .directory: nil
        case .missing: "\(directory) does not exist"
        case .file, .executableFile: "\(directory) is a file, not a directory"
        }
    }

    /// The problem with `command`, or nil when it resolves to an executable file.
    func commandProblem(_ command: String, workingDirectory: String?, pathValue: String?) -> String? {
        if command.contains("/") {
            let base = workingDirectory.map { absolute($0, in: currentDirectory) } ?? currentDirectory
            let path = absolute(command, in: base)
            switch entry(path) {
            case .executableFile: return nil
            case .missing: return "\(path) does not exist"
            case .directory: return "\(path) is a directory"
            case .file: return "\(path) is not executable; chmod +x it, or name its interpreter: command: bash, args: [\(command)]"
            }
        }
        let directories = (pathValue ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        if directories.contains(where: { entry($0 + "/" + command) == .executableFile }) { return nil }
        return
            "'\(command)' is not an executable in any PATH directory (\(directories.joined(separator: ":"))); give its full path, or set PATH in env"
    }

    /// The absolute path, with `.` and `..` resolved by name (as the kernel would, short
    /// of symbolic links), so messages show the path the operator means.
    private func absolute(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension ExecutableLookup {
    /// The real filesystem, as the gateway's user sees it.
    static var live: ExecutableLookup {
        ExecutableLookup(
            entry: { path in
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
                if isDirectory.boolValue { return .directory }
                return access(path, X_OK) == 0 ? .executableFile : .file
            },
            currentDirectory: FileManager.default.currentDirectoryPath
        )
    }
}
