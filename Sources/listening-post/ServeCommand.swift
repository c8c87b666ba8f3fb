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
        commandName: "serve",
        abstract: "Run the gateway. A config with any problem is refused before anything starts."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        let redactor = SecretRedactor(redacting: config.secrets)
        LoggingSetup.bootstrap(format: config.logging.format, level: config.logging.level, redactor: redactor)
        let logger = Logger(label: "listening-post")
        for warning in config.warnings {
            logger.warning("\(ConfigFileError.line(file: options.config, warning))")
        }
        Self.raiseOpenFilesLimit(for: config.server.maxConnections, logger: logger)
        let gateway: Gateway
        do {
            gateway = try await Gateway.assemble(config: config, registry: .builtin, logger: logger, handlesSIGHUP: false)
        } catch let error as ConfigErrors {
            ConfigReport.printErrors(ConfigFileError(file: options.config, errors: error.errors), redactor: redactor)
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("listening-post: cannot start: \(redactor.redact("\(error)"))\n".utf8))
            throw ExitCode(1)
        }
        logger.info("starting", metadata: ["channels": "\(config.channels.count)", "store": "\(config.store.dataDirectory)"])
        // SIGHUP re-reads the whole file (the customer directory with it).
        try await gateway.run(extraServices: [ConfigReloader(gateway: gateway, file: options.config, redactor: redactor)])
    }

    /// Raises the soft open-files limit to the hard one, as nginx's `worker_rlimit_nofile`
    /// does: the default soft limit (often 1,024) is far below `max_connections`, and a
    /// gateway out of descriptors cannot open its log or a mailbox either.
    static func raiseOpenFilesLimit(for connections: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // Descriptors the gateway needs besides connections: the log, mailboxes, plugins, pushes.
        let reserve = 256
        if UInt64(connections + reserve) > UInt64(limit.rlim_cur) {
            logger.warning(
                "server.max_connections is \(connections) but the open-files limit is \(limit.rlim_cur); connections past about \(Int(limit.rlim_cur) - reserve) will fail to be accepted. Raise the limit (ulimit -n, LimitNOFILE=) or lower max_connections."
            )
        }
    }
}
