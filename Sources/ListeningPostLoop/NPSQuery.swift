import Foundation
import ListeningPostKit

/// What `GET /v1/nps` asks: which dimensions to group by, over which time range, and with
/// what trend step. Parsed from query parameters without I/O; every refusal says what to
/// send instead.
public struct NPSQuery: Sendable, Hashable {
    /// A dimension answers can be grouped by.
    public enum Dimension: String, Sendable, Hashable, CaseIterable {
        case segment, channel, survey
    }

    /// Dimensions, in the order given.
    public var groupBy: [Dimension]
    /// Start of the range (inclusive).
    public var from: Date
    /// End of the range (exclusive).
    public var to: Date
    /// Width of each trend bucket; `nil` for one bucket over the whole range.
    public var step: TimeInterval?
    /// Only answers with these values (`segment=gold&channel=sms`); empty for all.
    public var only: [Dimension: String]

    /// Creates a query.
    public init(groupBy: [Dimension], from: Date, to: Date, step: TimeInterval? = nil, only: [Dimension: String] = [:]) {
        self.groupBy = groupBy
        self.from = from
        self.to = to
        self.step = step
        self.only = only
    }

    /// The same query over the range of the same length just before this one.
    public var previous: NPSQuery {
        var earlier = self
        earlier.to = from
        earlier.from = from.addingTimeInterval(-to.timeIntervalSince(from))
        return earlier
    }

    /// Most buckets one query may ask for (a weekly trend over ten years).
    public static let maxBuckets = 520

    /// Why a query was refused.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// The parameter at fault.
        public var parameter: String
        /// What is wrong and what would be right.
        public var description: String
    }

    /// Parses `group_by` (comma-separated dimensions), `window` (a length ending now) or
    /// `from`/`to` (RFC 3339), `step`, and `segment`, `channel` or `survey` to keep only the
    /// answers with that value. The default is the last 30 days, ungrouped, every answer.
    public static func parse(_ parameters: [String: String], now: Date) throws(Refusal) -> NPSQuery {
        var dimensions: [Dimension] = []
        if let list = parameters["group_by"], !list.isEmpty {
            for name in list.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let dimension = Dimension(rawValue: name) else {
                    throw Refusal(
                        parameter: "group_by",
                        description: "group_by: '\(name)' is not a dimension; use any of segment, channel, survey (comma-separated)"
                    )
                }
                guard !dimensions.contains(dimension) else {
                    throw Refusal(parameter: "group_by", description: "group_by: '\(name)' is named twice")
                }
                dimensions.append(dimension)
            }
        }
        let from: Date
        let to: Date
        if let window = parameters["window"] {
            guard parameters["from"] == nil, parameters["to"] == nil else {
                throw Refusal(parameter: "window", description: "window: give either window or from/to, not both")
            }
            let length = try length(window, parameter: "window")
            from = now.addingTimeInterval(-length)
            to = now
        } else if parameters["from"] != nil || parameters["to"] != nil {
            from = try date(parameters["from"], parameter: "from") ?? now.addingTimeInterval(-30 * 86_400)
            to = try date(parameters["to"], parameter: "to") ?? now
        } else {
            from = now.addingTimeInterval(-30 * 86_400)
            to = now
        }
        guard from < to else { throw Refusal(parameter: "from", description: "from: must be before to") }
        var step: TimeInterval?
        if let text = parameters["step"] {
            let width = try length(text, parameter: "step")
            guard (to.timeIntervalSince(from) / width).rounded(.up) <= Double(maxBuckets) else {
                throw Refusal(
                    parameter: "step",
                    description: "step: \(text) makes more than \(maxBuckets) buckets over this range; use a longer step"
                )
            }
            step = width
        }
        var only: [Dimension: String] = [:]
        for dimension in Dimension.allCases {
            guard let value = parameters[dimension.rawValue] else { continue }
            guard !value.isEmpty else {
                throw Refusal(
                    parameter: dimension.rawValue,
                    description: "\(dimension.rawValue): give a value, or leave the parameter out for every answer"
                )
            }
            only[dimension] = value
        }
        return NPSQuery(groupBy: dimensions, from: from, to: to, step: step, only: only)
    }

    /// `30d`, `1w`, `12h`, `90m`, `45s`: a length as config durations are written, plus weeks
    /// (config durations take no `w`, so a trend step of `1w` is read here), longer than zero.
    static func length(_ text: String, parameter: String) throws(Refusal) -> TimeInterval {
        let duration = text.hasSuffix("w") ? Int(text.dropLast()).map { Duration.seconds($0 * 604_800) } : ConfigScalars.duration(text)
        guard let duration, duration > .zero else {
            throw Refusal(
                parameter: parameter,
                description: "\(parameter): '\(text)' is not a length; use a whole number and a unit, such as 30d, 1w, 12h, 90m or 45s"
            )
        }
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func date(_ text: String?, parameter: String) throws(Refusal) -> Date? {
        guard let text else { return nil }
        guard let date = RFC3339.date(from: text) else {
            throw Refusal(parameter: parameter, description: "\(parameter): '\(text)' is not an RFC 3339 time such as 2026-11-01T00:00:00Z")
        }
        return date
    }
}
