import ArgumentParser
import ListeningPostCore
import ListeningPostKit

/// `listening-post plugins`: every adapter and the fields it accepts, from each adapter's
/// config spec (the same spec that validates `channels.yaml`).
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List channel adapters with their config fields, types, defaults and secrets.")

    @Flag(help: "Write the config reference as Markdown (docs/channels.md is generated this way).")
    var markdown = false

    func run() async throws {
        print(markdown ? ConfigReference.markdown(AdapterRegistry.builtin) : ConfigReference.text(AdapterRegistry.builtin), terminator: "")
    }
}
