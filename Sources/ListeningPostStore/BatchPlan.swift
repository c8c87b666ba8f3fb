import ListeningPostKit

/// Where a (channel, dedup key) lives.
package struct DedupIdentity: Hashable, Sendable {
    package var channel: String
    package var dedupKey: String

    package init(channel: String, dedupKey: String) {
        self.channel = channel
        self.dedupKey = dedupKey
    }
}

/// The pure part of a group commit, shared by both backends: sequence numbers, in-batch
/// dedup, stream offsets and per-request results. Offsets are given only to events the
/// backend actually inserted, so streams stay gapless.
package struct BatchPlan: Sendable {
    package struct NewEvent: Sendable {
        package var seq: Int64
        package var id: String
        package var channel: String
        package var dedupKey: String
        package var payload: [UInt8]
        package var streams: [String]
        package var notes = EventNotes()
        package var dependents: [PreparedEvent] = []
    }

    package private(set) var newEvents: [NewEvent] = []
    package private(set) var checkpoints: [String: String] = [:]
    package private(set) var cursors: [String: Int64] = [:]
    package private(set) var provisionalCustomers: Set<String> = []
    package private(set) var adoptions: [String: String] = [:]
    package private(set) var deadLetters: [DeadLetter] = []
    package private(set) var clearedDeadLetters: [DeadLetterKey] = []
    package private(set) var heads: [String: Int64]
    package private(set) var nextSeq: Int64
    package private(set) var results: [[IngestReceipt]] = []
    /// Per request, per event: the index into `newEvents` that stores it.
    private var slots: [[Int]] = []
    private var firstIndex: [DedupIdentity: Int] = [:]

    package init(firstSeq: Int64, heads: [String: Int64]) {
        self.nextSeq = firstSeq
        self.heads = heads
    }

    package mutating func add(_ request: AppendRequest) {
        var requestSlots: [Int] = []
        for event in request.events {
            let identity = DedupIdentity(channel: request.channel, dedupKey: event.dedupKey)
            if let index = firstIndex[identity] {
                requestSlots.append(index)
                continue
            }
            firstIndex[identity] = newEvents.count
            requestSlots.append(newEvents.count)
            newEvents.append(
                NewEvent(
                    seq: nextSeq,
                    id: event.id,
                    channel: request.channel,
                    dedupKey: event.dedupKey,
                    payload: event.payload,
                    streams: event.streams,
                    notes: event.notes,
                    dependents: event.dependents
                )
            )
            nextSeq += 1
        }
        slots.append(requestSlots)
        if let checkpoint = request.checkpoint { checkpoints[request.channel] = checkpoint }
        cursors.merge(request.cursors) { _, new in new }
        provisionalCustomers.formUnion(request.provisionalCustomers)
        adoptions.merge(request.adoptions) { _, new in new }
        deadLetters += request.deadLetters
        clearedDeadLetters += request.clearedDeadLetters
    }

    /// Adds events a follow-up planner derived: stored after the batch's own, answering no
    /// request.
    package mutating func addFollowUps(_ events: [PreparedEvent], channel: String) {
        for event in events {
            let identity = DedupIdentity(channel: channel, dedupKey: event.dedupKey)
            guard firstIndex[identity] == nil else { continue }
            firstIndex[identity] = newEvents.count
            newEvents.append(
                NewEvent(seq: nextSeq, id: event.id, channel: channel, dedupKey: event.dedupKey, payload: event.payload, streams: event.streams)
            )
            nextSeq += 1
        }
    }

    /// Assigns offsets to inserted events and fills `results`. Returns the stream entries
    /// to insert, in order.
    package mutating func resolve(inserted: Set<Int64>, storedIds: [DedupIdentity: String]) -> [(entry: StreamEntry, seq: Int64)] {
        var entries: [(entry: StreamEntry, seq: Int64)] = []
        var outcome: [IngestReceipt] = []
        for event in newEvents {
            if inserted.contains(event.seq) {
                for stream in Set(event.streams).sorted() {
                    let offset = (heads[stream] ?? 0) + 1
                    heads[stream] = offset
                    entries.append(
                        (StreamEntry(stream: stream, offset: offset, eventId: event.id, payload: event.payload, notes: event.notes), event.seq)
                    )
                }
                outcome.append(IngestReceipt(eventId: event.id, duplicate: false))
            } else {
                let stored = storedIds[DedupIdentity(channel: event.channel, dedupKey: event.dedupKey)] ?? event.id
                outcome.append(IngestReceipt(eventId: stored, duplicate: true))
            }
        }
        settle(outcome: outcome)
        return entries
    }

    /// Fills `results` from each new event's outcome, in `newEvents` order.
    package mutating func settle(outcome: [IngestReceipt]) {
        var claimed = Set<Int>()
        results = slots.map { requestSlots in
            requestSlots.map { slot in
                // The first request to name an event stores it; later ones in the batch are duplicates.
                let first = claimed.insert(slot).inserted
                var result = outcome[slot]
                if !first { result.duplicate = true }
                return result
            }
        }
    }
}

extension Array {
    package func chunked(by size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
