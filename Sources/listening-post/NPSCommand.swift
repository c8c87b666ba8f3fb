import ArgumentParser
import AsyncHTTPClient
import Foundation
import ListeningPostKit
import NIOCore
import NIOHTTP1

/// `listening-post nps`: the running gateway's NPS as a table (or its JSON), from
/// `GET /v1/nps`.
struct NPSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nps",
        abstract: "Print NPS by segment, channel or survey, with its 95 % interval."
    )

    @OptionGroup var options: ConfigOption

    @OptionGroup var client: GatewayClientOptions

    @Option(name: .customLong("group-by"), help: "Dimensions, comma-separated: segment, channel, survey.")
    var groupBy = "segment,channel"

    @Option(help: "How far back, such as 30d. Default: the config's nps.window.")
    var window: String?

    @Option(help: "A trend step, such as 1w.")
    var step: String?

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let base = try client.url ?? options.gatewayURL()
        let token = try client.bearerToken(command: "nps")
        var query = ["group_by=\(groupBy)"]
        if let window { query.append("window=\(window)") }
        if let step { query.append("step=\(step)") }
        var request = HTTPClientRequest(url: "\(base)/v1/nps?\(query.joined(separator: "&"))")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            FileHandle.standardError.write(Data("listening-post nps: \(response.status.code): \(String(buffer: body))\n".utf8))
            throw ExitCode(1)
        }
        if json {
            FileHandle.standardOutput.write(Data((String(buffer: body) + "\n").utf8))
            return
        }
        let report = try JSONValue.parse(Array(body.readableBytesView))
        FileHandle.standardOutput.write(Data(Self.table(report, trend: step != nil).utf8))
    }

    /// One line per cell: its group, its bucket (with a step), the counts, NPS and interval.
    static func table(_ report: JSONValue, trend: Bool) -> String {
        guard case .object(let fields) = report, case .array(let cells)? = fields["cells"] else { return "" }
        let dimensions: [String] = if case .array(let names)? = fields["groupBy"] { names.compactMap(\.stringValue) } else { [] }
        var rows = [dimensions + (trend ? ["from"] : []) + ["responses", "promoters", "passives", "detractors", "nps", "95% interval", ""]]
        for cell in cells {
            let values = cell.objectValue ?? [:]
            let number = { (name: String) -> String in
                if case .number(let value)? = values[name] { return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value) }
                return "-"
            }
            var interval = "-"
            if case .array(let bounds)? = values["npsInterval"], case .number(let low)? = bounds.first, case .number(let high)? = bounds.last {
                interval = String(format: "%.1f … %.1f", low, high)
            }
            let insufficient = values["insufficient"] == .bool(true) ? "insufficient" : ""
            rows.append(
                dimensions.map { values[$0]?.stringValue ?? "" } + (trend ? [String((values["from"]?.stringValue ?? "").prefix(10))] : [])
                    + [number("responses"), number("promoters"), number("passives"), number("detractors"), number("nps"), interval, insufficient]
            )
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(
                in: .whitespaces
            )
        }.joined(separator: "\n") + "\n"
    }
}
