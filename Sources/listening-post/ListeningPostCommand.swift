import ArgumentParser
import Foundation
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
/// `--url` and `--token`, for the commands that talk to a running gateway.
struct GatewayClientOptions: ParsableArguments {
    @Option(help: "The gateway's base URL. Default: server.host and server.port from the config.")
    var url: String?

    @Option(help: "A subscriber's bearer token. Default: $LISTENING_POST_TOKEN.")
    var token: String?

    /// The token, or exit 2 saying where one comes from.
    func bearerToken(command: String) throws -> String {
        guard let token = token ?? ProcessInfo.processInfo.environment["LISTENING_POST_TOKEN"], !token.isEmpty else {
            FileHandle.standardError.write(Data("listening-post \(command): give a subscriber token with --token or LISTENING_POST_TOKEN (see `subscribers:` in the config)\n".utf8))
            throw ExitCode(2)
        }
        return token
    }
}

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
