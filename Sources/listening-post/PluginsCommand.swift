import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostKit

/// `listening-post plugins`: every adapter and the fields it accepts, from each adapter's
/// config spec (the same spec that validates `channels.yaml`).
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List channel adapters with their config fields, types, defaults and secrets."
    )

    @Flag(help: "Write the config reference as Markdown (docs/channels.md is generated this way).")
    var markdown = false

    @Flag(help: "Write a JSON Schema for channels.yaml, for editors (docs/channels.schema.json is generated this way).")
    var jsonSchema = false

    func run() async throws {
        if jsonSchema {
            let compact = Data(ConfigReference.jsonSchema(AdapterRegistry.builtin).compactJSON())
            let object = try JSONSerialization.jsonObject(with: compact)
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(markdown ? ConfigReference.markdown(AdapterRegistry.builtin) : ConfigReference.text(AdapterRegistry.builtin), terminator: "")
        }
    }
}
