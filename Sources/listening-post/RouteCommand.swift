import ArgumentParser
import Foundation
import ListeningPostCore

/// `listening-post route --dry-run FILE.json`: where a sample event would go, and why.
struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Show which customer, segment and streams a sample event gets, and why.",
        discussion: """
            The sample is a CloudEvent as `tail` prints it, or the short form
            {"channel": "sms-replies", "author": {"phone": "+447700900123"}, "text": "…", "score": 3}.
            Nothing is stored.
            """
    )

    @OptionGroup var options: ConfigOption

    @Flag(help: "Only show the decision; nothing is stored (the only mode there is, named so scripts say what they mean).")
    var dryRun = false

    @Argument(help: "The sample event (JSON file; - for stdin).")
    var sample: String

    func run() throws {
        guard dryRun else {
            FileHandle.standardError.write(
                Data("listening-post route: only --dry-run exists; routing happens when the gateway receives a message\n".utf8)
            )
            throw ExitCode(2)
        }
        let config = try ConfigReport.load(options.config)
        let bytes: [UInt8]
        if sample == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: sample) else {
                FileHandle.standardError.write(Data("listening-post route: cannot read \(sample)\n".utf8))
                throw ExitCode(2)
            }
            bytes = Array(data)
        }
        do {
            let event = try RoutingExplanation.sample(bytes, config: config)
            print(RoutingExplanation.render(event, rules: config.routing, directory: config.customers.directory))
        } catch {
            FileHandle.standardError.write(Data("listening-post route: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
