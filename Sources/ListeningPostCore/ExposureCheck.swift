import ListeningPostKit

/// The bootstrap checks, as Elasticsearch runs them when it binds a non-loopback address:
/// a gateway others can reach must not run on the example's demo secrets, short or
/// well-known tokens, or channels that accept unsigned requests. Bound to loopback the
/// same findings are warnings, so the example runs with no secrets at all. An operator
/// who must run exposed anyway says so with `server.allow_weak_secrets: true`, and every
/// finding is then logged as a warning at start.
struct ExposureCheck {
    /// The `${VAR:-default}` secrets of the example `channels.yaml`, which anyone who has
    /// read the README knows (a test keeps this list and the example in step).
    static let demoSecrets: Set<String> = [
        "demo-token-change-me", "demo-operator-token-change-me", "demo-secret-change-me", "demo-typeform-secret-change-me",
        "demo-nps-link-secret-change-me", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ]
    /// Values that are never secret, whatever their length.
    static let wellKnown: Set<String> = [
        "changeme", "change-me", "password", "passw0rd", "secret", "secrettoken", "token", "test", "testing", "example", "letmein", "admin",
        "administrator", "default", "qwerty", "12345678", "1234567890", "0123456789abcdef", "abcdefghijklmnop",
    ]
    static let minimumLength = 16
    /// Channel fields that verify what others send us: a weak one lets anyone forge events.
    static let signingKeys: Set<String> = [
        "secret", "previous_secret", "signature_secret", "previous_signature_secret", "auth_token", "previous_auth_token", "signing_secret",
    ]

    var host: String
    var allowWeak: Bool

    /// Whether the address is only reachable from this machine.
    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
    }

    /// Why a secret is weak, or `nil`.
    /// - Parameter checkingLength: false where a length rule of its own already refuses
    ///   short values everywhere (subscriber and operator tokens).
    static func weakness(of value: String, checkingLength: Bool = true) -> String? {
        let lowered = value.lowercased()
        if demoSecrets.contains(value) { return "is the example config's demo default, published in the README" }
        if wellKnown.contains(lowered) || lowered.contains("change-me") || lowered.contains("changeme") { return "is a well-known placeholder" }
        if Set(value).count <= 2 { return "repeats one or two characters" }
        if checkingLength, value.count < minimumLength { return "is \(value.count) characters; use at least \(minimumLength) random ones" }
        return nil
    }

    /// Findings: errors when exposed (unless allowed), warnings on loopback.
    func findings(top: ConfigValues, channels: [ChannelDeclaration]) -> [ConfigError] {
        let exposed = !Self.isLoopback(host)
        var found: [ConfigError] = []
        func report(
            _ section: ConfigValues,
            _ key: String,
            _ problem: String,
            remedy: String = "set a random value of \(Self.minimumLength)+ characters"
        ) {
            let fix =
                if !exposed { "; fine on loopback, refused once server.host is not" } else if allowWeak {
                    "; allowed by server.allow_weak_secrets although server.host \(host) is not loopback: \(remedy)"
                } else {
                    "; server.host \(host) is not loopback, so this is refused: \(remedy) (or server.allow_weak_secrets: true to run exposed anyway)"
                }
            let message = problem + fix
            found.append(exposed && !allowWeak ? section.invalid(key, message) : section.warning(key, message))
        }
        // Tokens and signing secrets of our own: subscribers, push signing, operators.
        for field in top.secretFields {
            if let problem = Self.weakness(of: field.secret.value, checkingLength: field.key != "token") { report(field.section, field.key, problem) }
        }
        for channel in channels {
            for field in channel.values.secretFields where Self.signingKeys.contains(field.key) {
                if let problem = Self.weakness(of: field.secret.value) { report(field.section, field.key, problem) }
            }
            // On loopback the adapter's own startup warning says it; exposed, it is refused.
            if exposed, channel.values.bool("insecure") {
                report(
                    channel.values,
                    "insecure",
                    "accepts unsigned requests from anyone who can reach the port",
                    remedy: "configure the channel's signature secret instead"
                )
            }
        }
        return found
    }
}
