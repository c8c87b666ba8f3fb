import DiscourseAdapter
import ListeningPostCore
import ListeningPostTesting
import Testing

/// What `listening-post check` says about Discourse channel configs.
struct DiscourseConfigTests {
    static let cases: [(yaml: String, expected: String)] = [
        ("base_url: https://f.example.com", "channels.yaml:2:5: channels[f].webhook: a discourse channel needs webhook, poll, or both"),
        (
            "base_url: f.example.com\n    poll: {}",
            "channels.yaml:4:15: channels[f].base_url: 'f.example.com' must be an absolute http:// or https:// URL, such as https://forum.example.com"
        ),
        (
            "base_url: https://f.example.com\n    webhook:\n      path: /d\n      secret: short",
            "channels.yaml:7:15: channels[f].webhook.secret: is 5 characters; Discourse requires at least 12"
        ),
        (
            "base_url: https://f.example.com\n    webhook:\n      path: /d",
            "channels.yaml:6:7: channels[f].webhook.secret: is required to verify deliveries; set it, or set insecure: true to accept unsigned ones"
        ),
        (
            "base_url: https://f.example.com\n    poll:\n      interval: soon",
            "channels.yaml:6:17: channels[f].poll.interval: expected a duration with a unit such as 500ms, 30s, 5m, 3h or 1d, found 'soon'"
        ),
        ("base_url: https://f.example.com\n    poll: {backfill: 7d}", "OK"),
    ]

    @Test(arguments: cases)
    func checkExplains(_ yaml: String, _ expected: String) {
        let config = "channels:\n  - id: f\n    type: discourse\n    " + yaml + "\n"
        #expect(ConfigCheck.render(config, registry: AdapterRegistry([DiscourseAdapter.self])) == expected)
    }
}
