import ListeningPostKit

/// An append waiting for its group commit, in either log.
package struct PendingAppend {
    package var request: AppendRequest
    package var continuation: CheckedContinuation<[IngestReceipt], any Error>
    /// The lease the append was made under, which the shared log checks at commit.
    package var fence: HeldLease? = nil

    package init(request: AppendRequest, continuation: CheckedContinuation<[IngestReceipt], any Error>, fence: HeldLease? = nil) {
        self.request = request
        self.continuation = continuation
        self.fence = fence
    }
}

extension Array where Element == PendingAppend {
    /// Takes the next group commit's appends from the front: as many as fit in `maxEvents`
    /// events, and always at least one (a single large append goes alone).
    package mutating func takeBatch(maxEvents: Int) -> [PendingAppend]? {
        guard !isEmpty else { return nil }
        var count = 0
        var taken = 0
        for pending in self {
            if taken > 0 && count + pending.request.events.count > maxEvents { break }
            count += pending.request.events.count
            taken += 1
        }
        defer { removeFirst(taken) }
        return Array(prefix(taken))
    }
}
