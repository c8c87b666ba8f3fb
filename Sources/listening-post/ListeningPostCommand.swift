import ArgumentParser
import ListeningPostCore

/// `listening-post`: one gateway for every place customers speak.
@main
struct ListeningPostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listening-post",
        abstract: "Listens to every place customers speak and turns each message into one CloudEvent stream.",
        subcommands: [ServeCommand.self, CheckCommand.self, TailCommand.self, NPSCommand.self, RouteCommand.self, PluginsCommand.self],
        defaultSubcommand: ServeCommand.self)
}

/// The option every command that reads the config takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file.")
    var config: String = "channels.yaml"

    /// The running gateway's base URL, from `server.host` and `server.port` (a wildcard
    /// bind is reached on loopback).
    func gatewayURL() throws -> String {
        let config = try ConfigReport.load(self.config)
        let host = ["0.0.0.0", "::", ""].contains(config.server.host) ? "127.0.0.1" : config.server.host
        return "http://\(host):\(config.server.port)"
    }
}
