import Foundation
import ListeningPostCore
import ListeningPostKit

extension TemplateValues {
    /// The values of a message to a customer: who they are, the case it is about (with its
    /// segment), the survey it carries and the channel it goes out on.
    public static func message(
        customer: Customer?,
        customerId: String?,
        case record: CaseRecord?,
        segment: Segment?,
        survey: String?,
        channel: String
    ) -> TemplateValues {
        var values = TemplateValues()
        values["channel.id"] = channel
        values["customer.id"] = customer?.id ?? customerId
        if let customer {
            values["customer.email"] = customer.emails.first
            values["customer.phone"] = customer.phones.first.map { PhoneNumber.e164($0) ?? $0 }
            values["customer.preferred_channel"] = customer.preferredChannel
            for (key, value) in customer.attributes { values["customer.attributes.\(key)"] = value }
        }
        if let record {
            values["case.id"] = record.subject.id
            values["case.rule"] = record.subject.rule
            values["case.state"] = record.state.rawValue
            values["case.channel"] = record.subject.channel
            values["case.owner"] = record.owner
            values["case.opened_at"] = RFC3339.string(from: record.openedAt)
            values["case.score"] = record.openingScore.map(String.init)
            values["case.resolution"] = record.resolution
            values["case.root_cause"] = record.rootCause
            values["case.first_response_due"] = record.targets["first_response"].map { RFC3339.string(from: $0.due) }
            values["case.resolution_due"] = record.targets["resolution"].map { RFC3339.string(from: $0.due) }
            values["case.first_response_target"] = record.targets["first_response"].map { Self.spoken(.seconds($0.seconds)) }
            values["case.resolution_target"] = record.targets["resolution"].map { Self.spoken(.seconds($0.seconds)) }
            values["segment.name"] = record.subject.segment
        }
        if let segment {
            values["segment.name"] = segment.name
            values["segment.response_target"] = segment.responseTarget.map(Self.spoken)
            values["segment.resolution_target"] = segment.resolutionTarget.map(Self.spoken)
        }
        values["survey.id"] = survey
        return values
    }

    /// A standard as a customer reads it: `3 hours`, `1 day 4 hours`, `90 seconds`.
    static func spoken(_ duration: Duration) -> String {
        var seconds = Int(duration.components.seconds)
        var parts: [String] = []
        for (unit, size) in [("day", 86_400), ("hour", 3_600), ("minute", 60)] where seconds >= size {
            let count = seconds / size
            seconds -= count * size
            parts.append("\(count) \(unit)\(count == 1 ? "" : "s")")
        }
        if seconds > 0 || parts.isEmpty { parts.append("\(seconds) second\(seconds == 1 ? "" : "s")") }
        return parts.joined(separator: " ")
    }
}
