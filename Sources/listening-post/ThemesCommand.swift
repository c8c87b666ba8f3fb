import ArgumentParser
import Foundation
import ListeningPostKit
import NIOCore

/// `listening-post themes`: the key drivers of the running gateway's NPS (`GET /v1/themes`),
/// or with `--suggest` the phrases detractors and promoters use most
/// (`GET /v1/themes/suggestions`).
struct ThemesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "themes",
        abstract: "Print each theme's share, NPS against those who do not mention it, and impact; or suggest new themes."
    )

    @OptionGroup var options: ConfigOption

    @OptionGroup var client: GatewayClientOptions

    @Option(name: .customLong("group-by"), help: "Dimensions, comma-separated: segment, channel, survey.")
    var groupBy: String?

    @Option(help: "How far back, such as 30d. Default: nps.window (90d with --suggest).")
    var window: String?

    @Option(help: "A trend step, such as 1w.")
    var step: String?

    @Option(help: "Only answers of this segment.")
    var segment: String?

    @Option(help: "Only answers from this channel.")
    var channel: String?

    @Flag(help: "Suggest phrases from the reasons instead, ranked by how much more one side uses them.")
    var suggest = false

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let base = try client.url ?? options.gatewayURL()
        let token = try client.bearerToken(command: "themes")
        let filters = [("window", window), ("segment", segment), ("channel", channel)]
        let path =
            suggest
            ? "/v1/themes/suggestions" + GatewayRequest.query(filters)
            : "/v1/themes" + GatewayRequest.query([("group_by", groupBy), ("step", step)] + filters)
        let body = try await GatewayRequest.get(path, base: base, token: token, command: "themes")
        if json {
            FileHandle.standardOutput.write(Data((String(buffer: body) + "\n").utf8))
            return
        }
        let report = try JSONValue.parse(Array(body.readableBytesView))
        FileHandle.standardOutput.write(Data((suggest ? Self.suggestions(report) : Self.drivers(report, trend: step != nil)).utf8))
    }

    /// One line per group and theme, the costliest first within a group.
    static func drivers(_ report: JSONValue, trend: Bool) -> String {
        guard case .object(let fields) = report, case .array(let cells)? = fields["cells"] else { return "" }
        let dimensions = NPSCommand.dimensions(fields)
        var rows = [
            dimensions + (trend ? ["from"] : []) + [
                "theme", "answers", "share", "detractors", "nps", "95% interval", "nps others", "impact", "",
            ]
        ]
        for cell in cells {
            let values = cell.objectValue ?? [:]
            let group = dimensions.map { values[$0]?.stringValue ?? "" } + (trend ? [String((values["from"]?.stringValue ?? "").prefix(10))] : [])
            for theme in values["themes"]?.arrayValue ?? [] {
                let driver = theme.objectValue ?? [:]
                let percent = { (name: String) in driver[name]?.numberValue.map { String(format: "%.0f%%", $0 * 100) } ?? "-" }
                rows.append(
                    group + [
                        driver["theme"]?.stringValue ?? "", GatewayRequest.figure(driver["answers"]), percent("shareOfAnswers"),
                        percent("detractorShare"), GatewayRequest.figure(driver["nps"]), GatewayRequest.interval(driver["npsInterval"]),
                        GatewayRequest.figure(driver["npsOthers"]), GatewayRequest.figure(driver["impact"]),
                        driver["insufficient"] == .bool(true) ? "insufficient" : "",
                    ]
                )
            }
        }
        return GatewayRequest.columns(rows)
    }

    /// Detractors' phrases, then promoters', each with its counts and z.
    static func suggestions(_ report: JSONValue) -> String {
        guard case .object(let fields) = report else { return "" }
        var rows = [["side", "phrase", "detractors", "passives", "promoters", "z", "example"]]
        for (side, key) in [("detractors", "detractorPhrases"), ("promoters", "promoterPhrases")] {
            for phrase in fields[key]?.arrayValue ?? [] {
                let values = phrase.objectValue ?? [:]
                rows.append([
                    side, values["phrase"]?.stringValue ?? "", GatewayRequest.figure(values["detractors"]),
                    GatewayRequest.figure(values["passives"]), GatewayRequest.figure(values["promoters"]),
                    values["z"]?.numberValue.map { String(format: "%.2f", $0) } ?? "-", values["examples"]?.arrayValue?.first?.stringValue ?? "",
                ])
            }
        }
        return GatewayRequest.columns(rows)
    }
}
