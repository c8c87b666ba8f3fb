import Foundation
import ListeningPostKit

/// The body of `GET /v1/nps`: the query as understood, and one cell per group and bucket.
/// Pure, so the API, `listening-post nps` and the tests render the same thing.
public enum NPSReport {
    /// Written into every answer, so a reader knows what the interval is.
    public static let intervalMethod = "adjusted-wald-95"

    /// The report as JSON.
    public static func json(query: NPSQuery, rows: [NPSTally.Row], minResponses: Int) -> JSONValue {
        var body = header(query: query, minResponses: minResponses)
        body["cells"] = .array(rows.map { cell($0, minResponses: minResponses) })
        return .object(body)
    }

    /// What every NPS report begins with: the range and filters, the grouping, the method.
    static func header(query: NPSQuery, minResponses: Int) -> [String: JSONValue] {
        var body = range(query)
        body["groupBy"] = .array(query.groupBy.map { .string($0.rawValue) })
        body["minResponses"] = .number(Double(minResponses))
        body["interval"] = .string(intervalMethod)
        if let step = query.step { body["stepSeconds"] = .number(step) }
        return body
    }

    /// The range a report covers and the filters it kept.
    static func range(_ query: NPSQuery) -> [String: JSONValue] {
        var body: [String: JSONValue] = ["from": .string(RFC3339.string(from: query.from)), "to": .string(RFC3339.string(from: query.to))]
        if !query.only.isEmpty {
            body["only"] = .object(Dictionary(uniqueKeysWithValues: query.only.map { ($0.key.rawValue, .string($0.value)) }))
        }
        return body
    }

    /// A cell's NPS, `null` with no answers.
    static func score(_ cell: NPSCell) -> JSONValue { cell.nps.map { .number(rounded($0)) } ?? .null }

    /// An interval as `[low, high]`.
    static func interval(_ range: ClosedRange<Double>) -> JSONValue {
        .array([.number(rounded(range.lowerBound)), .number(rounded(range.upperBound))])
    }

    static func cell(_ row: NPSTally.Row, minResponses: Int) -> JSONValue { .object(cellFields(row, minResponses: minResponses)) }

    /// A cell's members, for reports that add to them.
    static func cellFields(_ row: NPSTally.Row, minResponses: Int) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "from": .string(RFC3339.string(from: row.from)),
            "to": .string(RFC3339.string(from: row.to)),
            "responses": .number(Double(row.cell.responses)),
            "promoters": .number(Double(row.cell.promoters)),
            "passives": .number(Double(row.cell.passives)),
            "detractors": .number(Double(row.cell.detractors)),
            "nps": score(row.cell),
            "npsInterval": interval(row.cell.interval),
            "insufficient": .bool(row.cell.responses < minResponses),
        ]
        for (dimension, value) in row.group { object[dimension.rawValue] = .string(value) }
        return object
    }

    /// Two decimals: the interval's own width dwarfs anything finer.
    static func rounded(_ value: Double, places: Int = 2) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
