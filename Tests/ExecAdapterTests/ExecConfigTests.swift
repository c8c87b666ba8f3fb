import ExecAdapter
import ListeningPostCore
import ListeningPostTesting
import Testing

/// What `listening-post check` says about exec channel configs.
struct ExecConfigTests {
    static let cases: [(yaml: String, expected: String)] = [
        ("args: [x]", "channels.yaml:2:5: channels[p].command: missing required key 'command'"),
        ("command: \"\"", "channels.yaml:4:14: channels[p].command: is empty; name the program to run, such as python3"),
        (
            "command: python3\n    env: {LISTENING_POST_CHECKPOINT: x}",
            "channels.yaml:5:10: channels[p].env: 'LISTENING_POST_CHECKPOINT' is reserved: the gateway sets LISTENING_POST_* itself"
        ),
        (
            "command: python3\n    env: {\"1X\": x}",
            "channels.yaml:5:10: channels[p].env: '1X' is not a variable name (letters, digits and _, not starting with a digit)"
        ),
        ("command: python3\n    batch_size: 0", "channels.yaml:5:17: channels[p].batch_size: must be between 1 and 10000"),
        ("command: python3\n    max_line_size: 10", "channels.yaml:5:20: channels[p].max_line_size: must be between 1KiB and 64MiB"),
        (
            "command: python3\n    secret_env: {API_KEY: abc}",
            "channels.yaml:5:27: warning: channels[p].secret_env.API_KEY: secret written inline; prefer an environment reference such as ${P_SECRET_ENV_API_KEY}\nOK"
        ),
        ("command: python3\n    secret_env: {API_KEY: \"${KEY}\"}\n    args: [a.py]", "OK"),
        // The program is looked for before anything starts.
        (
            "command: no-such-plugin\n    env: {PATH: \"/usr/bin:/bin\"}",
            "channels.yaml:4:14: channels[p].command: 'no-such-plugin' is not an executable in any PATH directory (/usr/bin:/bin); give its full path, or set PATH in env"
        ),
        ("command: /no/such/plugin.sh", "channels.yaml:4:14: channels[p].command: /no/such/plugin.sh does not exist"),
        (
            "command: /etc/passwd",
            "channels.yaml:4:14: channels[p].command: /etc/passwd is not executable; chmod +x it, or name its interpreter: command: bash, args: [/etc/passwd]"
        ),
        ("command: python3\n    working_dir: /no/such/dir", "channels.yaml:5:18: channels[p].working_dir: /no/such/dir does not exist"),
    ]

    @Test(arguments: cases)
    func checkExplains(_ yaml: String, _ expected: String) {
        let config = "channels:\n  - id: p\n    type: exec\n    " + yaml + "\n"
        #expect(ConfigCheck.render(config, registry: AdapterRegistry([ExecAdapter.self]), environment: ["KEY": "k"]) == expected)
    }
}
