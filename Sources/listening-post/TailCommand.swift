import ArgumentParser
import AsyncHTTPClient
import Foundation
import ListeningPostCore
import NIOCore
import NIOHTTP1

/// `listening-post tail`: follow a stream of a running gateway and print each event as one
/// JSON line. Reconnects with `Last-Event-ID`, so nothing is missed or repeated.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a stream's events as JSON lines, following new ones."
    )

    @OptionGroup var options: ConfigOption

    @OptionGroup var client: GatewayClientOptions

    @Option(help: "The stream to follow.")
    var stream = "all"

    @Option(help: "Start after this offset (0 = from the beginning). Default: only new events.")
    var after: Int64?

    @Option(help: "Exit after printing this many events.")
    var limit: Int?

    func run() async throws {
        let base = try client.url ?? options.gatewayURL()
        let token = try client.bearerToken(command: "tail")
        var cursor = after
        var printed = 0
        var failures = 0
        while true {
            var request = HTTPClientRequest(url: "\(base)/v1/streams/\(stream)/events")
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let cursor { request.headers.add(name: "Last-Event-ID", value: String(cursor)) }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .hours(24 * 365))
                guard response.status == .ok else {
                    let body = try await response.body.collect(upTo: 65536)
                    FileHandle.standardError.write(Data("listening-post tail: \(response.status.code): \(String(buffer: body))\n".utf8))
                    throw ExitCode(1)
                }
                failures = 0
                var parser = ServerSentEventParser()
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) {
                        FileHandle.standardOutput.write(Data((event.data + "\n").utf8))
                        cursor = Int64(event.lastEventId) ?? cursor
                        printed += 1
                        if let limit, printed >= limit { return }
                    }
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("listening-post tail: \(error); reconnecting\n".utf8))
            }
            try await Task.sleep(for: .milliseconds(min(5000, 250 * (1 << min(failures, 5)))))
        }
    }
}
