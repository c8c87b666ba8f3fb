import ArgumentParser
import Foundation
import ListeningPostCore

/// `listening-post`: one gateway for every place customers speak.
@main
struct ListeningPostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listening-post",
        abstract: "Listens to every place customers speak and turns each message into one CloudEvent stream.",
        subcommands: [
            ServeCommand.self, CheckCommand.self, TailCommand.self, NPSCommand.self, ThemesCommand.self, CasesCommand.self, RouteCommand.self,
            PluginsCommand.self,
            ReloadCommand.self, BackupCommand.self, RestoreCommand.self, MigrateCommand.self, CopyLogCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}

/// The option every command that reads the config takes.
/// `--url` and `--token`, for the commands that talk to a running gateway.
struct GatewayClientOptions: ParsableArguments {
    @Option(help: "The gateway's base URL. Default: server.host and server.port from the config.")
    var url: String?

    @Option(help: "A subscriber's bearer token. Default: $LISTENING_POST_TOKEN.")
    var token: String?

    /// The token, or exit 2 saying where one comes from. Operator commands read
    /// `$LISTENING_POST_OPERATOR_TOKEN` instead.
    func bearerToken(command: String, operatorToken: Bool = false) throws -> String {
        let variable = operatorToken ? "LISTENING_POST_OPERATOR_TOKEN" : "LISTENING_POST_TOKEN"
        guard let token = token ?? ProcessInfo.processInfo.environment[variable], !token.isEmpty else {
            let kind =
                operatorToken
                ? "an operator token with --token or \(variable) (see `operators:`"
                : "a subscriber token with --token or \(variable) (see `subscribers:`"
            FileHandle.standardError.write(Data("listening-post \(command): give \(kind) in the config)\n".utf8))
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
