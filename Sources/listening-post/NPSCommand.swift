import ArgumentParser
import Foundation
import ListeningPostKit
import NIOCore

/// `listening-post nps`: the running gateway's NPS as a table (or its JSON), from
/// `GET /v1/nps`, or compared with a benchmark or the window before, from
/// `GET /v1/nps/compare`.
struct NPSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nps",
        abstract: "Print NPS by segment, channel or survey, with its 95 % interval, or compared with a benchmark."
    )

    @OptionGroup var options: ConfigOption

    @OptionGroup var client: GatewayClientOptions

    @Option(name: .customLong("group-by"), help: "Dimensions, comma-separated: segment, channel, survey.")
    var groupBy = "segment,channel"

    @Option(help: "How far back, such as 30d. Default: the config's nps.window.")
    var window: String?

    @Option(help: "A trend step, such as 1w.")
    var step: String?

    @Option(help: "Compare with a benchmark of `benchmarks:`, or with `previous` (the window before).")
    var compare: String?

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let base = try client.url ?? options.gatewayURL()
        let token = try client.bearerToken(command: "nps")
        let path = compare == nil ? "/v1/nps" : "/v1/nps/compare"
        let query = GatewayRequest.query([("group_by", groupBy), ("window", window), ("step", step), ("against", compare)])
        let body = try await GatewayRequest.get(path + query, base: base, token: token, command: "nps")
        if json {
            FileHandle.standardOutput.write(Data((String(buffer: body) + "\n").utf8))
            return
        }
        let report = try JSONValue.parse(Array(body.readableBytesView))
        let table = compare == nil ? Self.table(report, trend: step != nil) : Self.comparison(report)
        FileHandle.standardOutput.write(Data(table.utf8))
    }

    /// One line per cell: its group, its bucket (with a step), the counts, NPS and interval.
    static func table(_ report: JSONValue, trend: Bool) -> String {
        guard case .object(let fields) = report, case .array(let cells)? = fields["cells"] else { return "" }
        let dimensions = dimensions(fields)
        var rows = [dimensions + (trend ? ["from"] : []) + ["responses", "promoters", "passives", "detractors", "nps", "95% interval", ""]]
        for cell in cells {
            let values = cell.objectValue ?? [:]
            let number = { (name: String) in GatewayRequest.figure(values[name]) }
            let insufficient = values["insufficient"] == .bool(true) ? "insufficient" : ""
            rows.append(
                dimensions.map { values[$0]?.stringValue ?? "" } + (trend ? [String((values["from"]?.stringValue ?? "").prefix(10))] : [])
                    + [
                        number("responses"), number("promoters"), number("passives"), number("detractors"), number("nps"),
                        GatewayRequest.interval(values["npsInterval"]), insufficient,
                    ]
            )
        }
        return GatewayRequest.columns(rows)
    }

    /// One line per cell: ours, theirs, the difference with its interval, p and the verdict.
    static func comparison(_ report: JSONValue) -> String {
        guard case .object(let fields) = report, case .array(let cells)? = fields["cells"] else { return "" }
        let dimensions = dimensions(fields)
        var rows = [dimensions + ["responses", "ours", "theirs", "difference", "95% interval", "p (adjusted)", "verdict", "n for 5 points"]]
        for cell in cells {
            let values = cell.objectValue ?? [:]
            let ours = values["ours"]?.objectValue ?? [:]
            let theirs = values["theirs"]?.objectValue ?? [:]
            rows.append(
                dimensions.map { values[$0]?.stringValue ?? "" } + [
                    GatewayRequest.figure(ours["responses"]), GatewayRequest.figure(ours["npsAdjusted"]),
                    GatewayRequest.figure(theirs["npsAdjusted"]), GatewayRequest.figure(values["difference"]),
                    GatewayRequest.interval(values["differenceInterval"]), values["pAdjusted"]?.numberValue.map { String(format: "%.4f", $0) } ?? "-",
                    values["verdict"]?.stringValue ?? "-", GatewayRequest.figure(values["answersToDetect5Points"]),
                ]
            )
        }
        return GatewayRequest.columns(rows)
    }

    static func dimensions(_ fields: [String: JSONValue]) -> [String] {
        if case .array(let names)? = fields["groupBy"] { names.compactMap(\.stringValue) } else { [] }
    }
}
