import ListeningPostKit

/// The in-memory log both test sinks keep: one message per dedup key, each with an id,
/// and the original's id for a repeat, as the real log answers.
struct MemoryLog {
    private(set) var messages: [InboundMessage] = []
    private var ids: [String: String] = [:]
    private let idPrefix: String

    init(idPrefix: String) {
        self.idPrefix = idPrefix
    }

    /// The ids of the stored messages among these keys.
    func eventIds(forDedupKeys dedupKeys: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for key in dedupKeys { found[key] = ids[key] }
        return found
    }

    /// Stores what is new and answers every message in order.
    mutating func store(_ batch: [InboundMessage]) -> [IngestReceipt] {
        batch.map { message in
            if let id = ids[message.dedupKey] { return IngestReceipt(eventId: id, duplicate: true) }
            let id = "\(idPrefix)-\(messages.count + 1)"
            ids[message.dedupKey] = id
            messages.append(message)
            return IngestReceipt(eventId: id, duplicate: false)
        }
    }
}
