import Testing

@testable import ExecAdapter

/// How an exec channel's `command` and `working_dir` are checked before anything starts,
/// over a filesystem given as a table.
struct ExecutableLookupTests {
    static let lookup = ExecutableLookup(
        entry: { path in
            switch path {
            case "/usr/bin/python3", "/opt/plugins/run.sh", "/srv/lp/bin/plugin": .executableFile
            case "/opt/plugins/notes.txt", "/srv/lp/data.csv": .file
            case "/opt/plugins", "/srv/lp", "/srv/lp/bin", "/usr/bin", "/bin": .directory
            default: .missing
            }
        },
        currentDirectory: "/srv/lp"
    )

    static let commands: [(command: String, workingDirectory: String?, path: String?, problem: String?)] = [
        ("python3", nil, "/usr/local/bin:/usr/bin", nil),
        ("python3", nil, "relative/bin:/bin", "'python3' is not an executable in any PATH directory (/bin); give its full path, or set PATH in env"),
        (
            "pyhton3", nil, "/usr/bin:/bin",
            "'pyhton3' is not an executable in any PATH directory (/usr/bin:/bin); give its full path, or set PATH in env"
        ),
        ("python3", nil, nil, nil),  // no PATH at all: the usual directories
        ("/opt/plugins/run.sh", nil, nil, nil),
        ("/opt/plugins/missing.sh", nil, nil, "/opt/plugins/missing.sh does not exist"),
        ("/opt/plugins", nil, nil, "/opt/plugins is a directory"),
        (
            "/opt/plugins/notes.txt", nil, nil,
            "/opt/plugins/notes.txt is not executable; chmod +x it, or name its interpreter: command: bash, args: [/opt/plugins/notes.txt]"
        ),
        ("bin/plugin", nil, nil, nil),  // relative to the gateway's directory
        ("./plugin", "bin", nil, nil),  // relative to working_dir, itself relative
        ("./plugin", "/opt/plugins", nil, "/opt/plugins/plugin does not exist"),
        ("../lp/bin/plugin", "/srv/other", nil, nil),
        ("data.csv", nil, "/srv/lp", "'data.csv' is not an executable in any PATH directory (/srv/lp); give its full path, or set PATH in env"),
    ]

    @Test(arguments: commands)
    func command(_ command: String, _ workingDirectory: String?, _ path: String?, _ problem: String?) {
        #expect(Self.lookup.commandProblem(command, workingDirectory: workingDirectory, pathValue: path) == problem)
    }

    @Test func workingDirectory() {
        #expect(Self.lookup.workingDirectoryProblem("bin") == nil)
        #expect(Self.lookup.workingDirectoryProblem("/srv/lp") == nil)
        #expect(Self.lookup.workingDirectoryProblem("/srv/nowhere") == "/srv/nowhere does not exist")
        #expect(Self.lookup.workingDirectoryProblem("data.csv") == "data.csv is a file, not a directory")
    }
}
