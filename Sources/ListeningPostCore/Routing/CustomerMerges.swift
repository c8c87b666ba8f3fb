import Foundation
import ListeningPostKit
import ListeningPostStore

/// When a directory entry appears for someone who wrote before as a provisional customer,
/// their history is adopted by mapping, not by rewriting events: the log records
/// provisional id → customer id, and a `com.listeningpost.customer.merged.v1` event on
/// stream `all` tells subscribers, once per provisional id (its dedup key is
/// `merge:<provisional id>`).
public enum CustomerMerges {
    /// The CloudEvents `type` of a merge.
    public static let eventType = "com.listeningpost.customer.merged.v1"
    /// The channel merge events are logged under; not a valid operator channel id.
    public static let channel = "_directory"

    /// Records a merge for every provisional id the log has seen that one of the
    /// directory's customers now owns. Returns how many were recorded.
    @discardableResult
    public static func record(directory: CustomerDirectory, log: any EventLog, ids: EventIDGenerator, now: Date = Date()) async throws -> Int {
        var owners: [String: (customer: String, identity: IdentityKey)] = [:]
        for customer in directory.customers {
            for key in directory.keys(of: customer) {
                owners[CustomerDirectory.provisionalId(for: key)] = (customer.id, key)
            }
        }
        let adopted = try await log.unadoptedProvisionalIds(among: owners.keys.sorted())
        guard !adopted.isEmpty else { return 0 }
        var events: [PreparedEvent] = []
        var adoptions: [String: String] = [:]
        for provisional in adopted.sorted() {
            guard let owner = owners[provisional] else { continue }
            let id = ids.next()
            events.append(
                PreparedEvent(
                    id: id,
                    dedupKey: "merge:\(provisional)",
                    payload: mergeEvent(id: id, provisional: provisional, customer: owner.customer, identity: owner.identity, time: now),
                    streams: [RoutingRules.firehose]
                )
            )
            adoptions[provisional] = owner.customer
        }
        _ = try await log.append(AppendRequest(channel: channel, events: events, adoptions: adoptions))
        return events.count
    }

    static func mergeEvent(id: String, provisional: String, customer: String, identity: IdentityKey, time: Date) -> [UInt8] {
        let event: JSONValue = [
            "specversion": "1.0", "id": .string(id), "source": "/directory", "type": .string(eventType),
            "time": .string(RFC3339.string(from: time)), "datacontenttype": "application/json", "subject": .string(customer),
            "data": [
                "customerId": .string(customer), "provisionalId": .string(provisional), "identity": .string(identity.description),
            ],
        ]
        return event.compactJSON()
    }
}
