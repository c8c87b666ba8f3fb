import ArgumentParser

/// `listening-post`: one gateway for every place customers speak.
@main
struct ListeningPostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listening-post",
        abstract: "Listens to every place customers speak and turns each message into one CloudEvent stream.",
        subcommands: [ServeCommand.self, CheckCommand.self, TailCommand.self, RouteCommand.self, PluginsCommand.self],
        defaultSubcommand: ServeCommand.self)
}

/// The option every command that reads the config takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file.")
    var config: String = "channels.yaml"
}
