import ListeningPostCore
import ListeningPostKit

/// What `listening-post check` prints for a config, for config tests: every problem as
/// `channels.yaml:line:column: path: message`, or the warnings and `OK`.
public enum ConfigCheck {
    /// Loads and assembles `yaml` with `registry` (adapters get test contexts).
    public static func render(_ yaml: String, registry: AdapterRegistry, environment: [String: String] = [:]) -> String {
        do {
            let config = try ConfigLoader(registry: registry, environment: environment).load(text: yaml)
            _ = try ChannelAssembly.instantiate(config, registry: registry) { .testing(channel: $0.identity) }
            let warnings = config.warnings.map { ConfigFileError.line(file: "channels.yaml", $0) }
            return (warnings + ["OK"]).joined(separator: "\n")
        } catch {
            return ConfigFileError(file: "channels.yaml", errors: error.errors).description
        }
    }
}
