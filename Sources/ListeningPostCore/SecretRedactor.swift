import ListeningPostKit
import Synchronization

/// Replaces every known secret value with `<redacted>` in text bound for logs or error
/// output. Secrets are registered from the config as it loads.
public final class SecretRedactor: Sendable {
    private let secrets = Mutex<[String]>([])

    /// Creates an empty redactor.
    public init() {}

    /// Creates a redactor for the given secrets (a config's `secrets`).
    public convenience init(redacting secrets: [ListeningPostKit.Secret]) {
        self.init()
        register(secrets.map(\.value))
    }

    /// Adds secret values. Values shorter than 4 characters are skipped: redacting them
    /// would mangle ordinary words, and no real secret is that short.
    public func register(_ values: [String]) {
        secrets.withLock { secrets in
            secrets = Array(Set(secrets + values.filter { $0.count >= 4 })).sorted { $0.count > $1.count }
        }
    }

    /// The text with every secret replaced.
    public func redact(_ text: String) -> String {
        let current = secrets.withLock { $0 }
        guard !current.isEmpty else { return text }
        var result = text
        for secret in current where result.contains(secret) {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }
}
