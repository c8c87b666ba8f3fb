import Foundation
import ListeningPostCore
import ListeningPostKit

extension CaseSettings {
    /// The confirmation question for a case being resolved, rendered with its values.
    public func confirmationQuestion(for record: CaseRecord, rootCause: String, resolution: String, customer: Customer?) -> String {
        guard let template = confirmationTemplate else { return confirmationQuestion }
        var resolved = record
        resolved.rootCause = rootCause
        resolved.resolution = resolution
        resolved.state = .resolved
        return template.render(
            .message(
                customer: customer,
                customerId: record.subject.customer?.id,
                case: resolved,
                segment: segments[record.subject.segment],
                survey: nil,
                channel: record.preferredChannel
            )
        )
    }
}
