import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import Logging
import ServiceLifecycle

/// `listening-post serve`: validate the config, then run the gateway until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway. A config with any problem is refused before anything starts.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        let redactor = SecretRedactor(redacting: config.secrets)
        LoggingSetup.bootstrap(format: config.logging.format, level: config.logging.level, redactor: redactor)
        let logger = Logger(label: "listening-post")
        for warning in config.warnings {
            logger.warning("\(ConfigFileError.line(file: options.config, warning))")
        }
        let gateway: Gateway
        do {
            gateway = try await Gateway.assemble(config: config, registry: .builtin, logger: logger)
        } catch let error as ConfigErrors {
            ConfigReport.printErrors(ConfigFileError(file: options.config, errors: error.errors), redactor: redactor)
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("listening-post: cannot start: \(redactor.redact("\(error)"))\n".utf8))
            throw ExitCode(1)
        }
        logger.info("starting", metadata: ["channels": "\(config.channels.count)", "store": "\(config.store.dataDirectory)"])
        try await gateway.run()
    }
}
