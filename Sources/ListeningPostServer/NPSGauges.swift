import Foundation
import ListeningPostCore
import ListeningPostLoop
import Metrics
import Synchronization

/// `listening_post_nps{segment,channel}` and `listening_post_nps_responses{segment,channel,category}`
/// over the configured window: the same figures `GET /v1/nps?group_by=segment,channel`
/// gives. A cell that leaves the window drops to 0 responses (and NPS 0) rather than
/// keeping a stale value.
final class NPSGauges: Sendable {
    private let factory: any MetricsFactory
    private let window: TimeInterval
    private let shown = Mutex<Set<[String]>>([])

    init(factory: any MetricsFactory, window: Duration) {
        self.factory = factory
        self.window = Double(window.components.seconds)
    }

    func update(_ tally: NPSTally, now: Date = Date()) {
        let query = NPSQuery(groupBy: [.segment, .channel], from: now.addingTimeInterval(-window), to: now)
        var current: [[String]: NPSCell] = [:]
        for row in tally.rows(for: query) { current[[row.group[.segment] ?? "", row.group[.channel] ?? ""]] = row.cell }
        let stale = shown.withLock { shown -> Set<[String]> in
            defer { shown = Set(current.keys) }
            return shown.subtracting(current.keys)
        }
        for key in stale { set(key, NPSCell()) }
        for (key, cell) in current { set(key, cell) }
    }

    private func set(_ key: [String], _ cell: NPSCell) {
        let dimensions = [("segment", key[0]), ("channel", key[1])]
        Gauge(label: "listening_post_nps", dimensions: dimensions, factory: factory).record(cell.nps ?? 0)
        for (category, count) in [("promoter", cell.promoters), ("passive", cell.passives), ("detractor", cell.detractors)] {
            Gauge(label: "listening_post_nps_responses", dimensions: dimensions + [("category", category)], factory: factory).record(count)
        }
    }
}
