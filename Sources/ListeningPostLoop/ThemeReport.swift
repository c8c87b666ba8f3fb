import Foundation
import ListeningPostKit

/// The body of `GET /v1/themes`: for each group and bucket, every theme its answers
/// mention, as key drivers. Pure, so the API, `listening-post themes` and the tests render
/// the same thing.
public enum ThemeReport {
    /// The report as JSON.
    public static func json(query: NPSQuery, rows: [NPSTally.DriverRow], minResponses: Int) -> JSONValue {
        var body = NPSReport.header(query: query, minResponses: minResponses)
        body["impact"] = .string("overall NPS minus the NPS of the answers that do not mention the theme, in points")
        body["cells"] = .array(rows.map { cell($0, minResponses: minResponses) })
        return .object(body)
    }

    static func cell(_ row: NPSTally.DriverRow, minResponses: Int) -> JSONValue {
        var object = NPSReport.cellFields(
            NPSTally.Row(group: row.group, from: row.from, to: row.to, cell: row.all),
            minResponses: minResponses
        )
        object["themes"] = .array(
            ThemeDriver.ranked(all: row.all, mentioning: row.mentioning).map { driver($0, minResponses: minResponses) }
        )
        return .object(object)
    }

    static func driver(_ driver: ThemeDriver, minResponses: Int) -> JSONValue {
        let mentioning = driver.mentioning
        let total = Double(max(1, mentioning.responses))
        return [
            "theme": .string(driver.theme),
            "answers": .number(Double(mentioning.responses)),
            "shareOfAnswers": .number(NPSReport.rounded(driver.share, places: 4)),
            "detractors": .number(Double(mentioning.detractors)),
            "passives": .number(Double(mentioning.passives)),
            "promoters": .number(Double(mentioning.promoters)),
            "detractorShare": .number(NPSReport.rounded(Double(mentioning.detractors) / total, places: 4)),
            "passiveShare": .number(NPSReport.rounded(Double(mentioning.passives) / total, places: 4)),
            "promoterShare": .number(NPSReport.rounded(Double(mentioning.promoters) / total, places: 4)),
            "nps": NPSReport.score(mentioning),
            "npsInterval": NPSReport.interval(mentioning.interval),
            "othersAnswers": .number(Double(driver.others.responses)),
            "npsOthers": NPSReport.score(driver.others),
            "npsOthersInterval": driver.others.responses > 0 ? NPSReport.interval(driver.others.interval) : .null,
            "impact": driver.impact.map { .number(NPSReport.rounded($0)) } ?? .null,
            "insufficient": .bool(mentioning.responses < minResponses || driver.others.responses < minResponses),
        ]
    }
}
