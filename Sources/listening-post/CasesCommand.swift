import ArgumentParser
import AsyncHTTPClient
import Foundation
import ListeningPostKit
import NIOCore
import NIOHTTP1

/// `listening-post cases`: the running gateway's case queue with each case's clock, from
/// `GET /v1/cases` (an operator token with `cases:read` or `cases`).
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "List cases with their clocks (time left, or overdue), soonest due first."
    )

    @OptionGroup var options: ConfigOption

    @OptionGroup var client: GatewayClientOptions

    @Option(help: "States, comma-separated: open, resolved, closed, all. Default: open,resolved.")
    var state: String?

    @Option(help: "Only this segment.")
    var segment: String?

    @Option(help: "Only cases opened on this channel.")
    var channel: String?

    @Option(help: "Only this owner's cases.")
    var owner: String?

    @Flag(help: "Only cases with a breach in their current cycle.")
    var breached = false

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let base = try client.url ?? options.gatewayURL()
        let token = try client.bearerToken(command: "cases", operatorToken: true)
        var query = GatewayRequest.query([("state", state), ("segment", segment), ("channel", channel), ("owner", owner)])
        if breached { query += (query.isEmpty ? "?" : "&") + "breached=true" }
        let body = try await GatewayRequest.get("/v1/cases" + query, base: base, token: token, command: "cases")
        if json {
            FileHandle.standardOutput.write(Data((String(buffer: body) + "\n").utf8))
            return
        }
        FileHandle.standardOutput.write(Data(Self.table(try JSONValue.parse(Array(body.readableBytesView))).utf8))
    }

    /// One line per case: who, what, whose, and its next clock.
    static func table(_ answer: JSONValue) -> String {
        guard case .object(let fields) = answer, case .array(let cases)? = fields["cases"] else { return "" }
        var rows = [["case", "state", "rule", "customer", "segment", "channel", "owner", "next target", "due", "clock"]]
        for item in cases {
            rows.append(row(item.objectValue ?? [:]))
        }
        var total = cases.count
        if case .number(let count)? = fields["total"] { total = Int(count) }
        return GatewayRequest.columns(rows) + "\(cases.count) of \(total) case(s)\n"
    }

    /// One case's cells.
    static func row(_ values: [String: JSONValue]) -> [String] {
        var next: [String: JSONValue] = [:]
        if case .array(let targets)? = values["targets"], let first = targets.first?.objectValue { next = first }
        var clock = values["state"]?.stringValue == "resolved" ? "awaiting customer" : "-"
        if case .number(let left)? = next["secondsLeft"] { clock = left < 0 ? "overdue \(duration(-left))" : "\(duration(left)) left" }
        if values["breached"] == .bool(true), !clock.hasPrefix("overdue") { clock += " (breached)" }
        let customer: String = values["customer"]?.objectValue?["id"]?.stringValue ?? "-"
        let owner: String = values["owner"]?.stringValue ?? "-"
        let target: String = next["name"]?.stringValue ?? "-"
        let due: String = next["due"]?.stringValue ?? "-"
        let text = { (key: String) -> String in values[key]?.stringValue ?? "" }
        return [text("id"), text("state"), text("rule"), customer, text("segment"), text("channel"), owner, target, due, clock]
    }

    /// `2h13m`, `45s`, `3d4h`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let days = total / 86_400
        let hours = total % 86_400 / 3600
        let minutes = total % 3600 / 60
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(total)s"
    }
}
