import ListeningPostStore

/// Hands committed entries on in offset order per stream, without gaps, when several
/// gateways write one PostgreSQL log.
///
/// A gateway learns of its own commits at once and of others' only by reading: it may see
/// its own offset 7 before another gateway's 6. `offer` passes on what continues each
/// stream and holds the rest; ``gaps`` says what to read to release it. Offsets at or
/// below what was passed on are dropped, so a re-read never hands an entry on twice.
/// Pure state, no I/O: the log reads the gaps.
struct CommitOrder {
    /// Per stream, the last offset passed on.
    private(set) var delivered: [String: Int64]
    private var held: [String: [Int64: StreamEntry]] = [:]

    init(delivered: [String: Int64] = [:]) {
        self.delivered = delivered
    }

    /// Takes entries in any order; returns those that now continue their streams, in order.
    mutating func offer(_ entries: [StreamEntry]) -> [StreamEntry] {
        var touched: [String] = []
        for entry in entries where entry.offset > (delivered[entry.stream] ?? 0) {
            if !touched.contains(entry.stream) { touched.append(entry.stream) }
            held[entry.stream, default: [:]][entry.offset] = entry
        }
        var ready: [StreamEntry] = []
        for stream in touched {
            var next = (delivered[stream] ?? 0) + 1
            while let entry = held[stream]?.removeValue(forKey: next) {
                ready.append(entry)
                next += 1
            }
            delivered[stream] = next - 1
            if held[stream]?.isEmpty ?? true { held[stream] = nil }
        }
        return ready
    }

    /// For each stream holding entries past a hole, the offsets missing: read them from the
    /// log and offer them.
    var gaps: [(stream: String, after: Int64, through: Int64)] {
        held.compactMap { stream, entries in
            guard let first = entries.keys.min() else { return nil }
            return (stream, delivered[stream] ?? 0, first - 1)
        }.sorted { $0.stream < $1.stream }
    }

    /// Counts `stream` as passed on through `offset`: what a projection rebuilt by reading the
    /// log has already seen, so catching up does not hand it on a second time. Returns held
    /// entries that now continue the stream.
    @discardableResult
    mutating func skip(_ stream: String, through offset: Int64) -> [StreamEntry] {
        guard offset > (delivered[stream] ?? 0) else { return [] }
        delivered[stream] = offset
        let later = held[stream]?.values.filter { $0.offset > offset } ?? []
        held[stream] = nil
        return offer(later)
    }

    /// The offset passed on last in `stream`.
    func head(_ stream: String) -> Int64 { delivered[stream] ?? 0 }
}
