import Foundation
import ListeningPostCore
import ListeningPostLoop
import ListeningPostStore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The loop metrics as Prometheus gauges, over `nps.window` by segment and channel — the
/// figures `GET /v1/loop?group_by=segment,channel` gives — refreshed every 15 s:
/// `listening_post_loop_cases`, `…_detractor_coverage_ratio`, `…_first_response_seconds{quantile}`,
/// `…_within_target_ratio`, `…_closed{outcome}`, `…_recovery_mean`, and
/// `listening_post_cases_unclosed` for the whole book. A group that leaves the window drops
/// to zero rather than keeping a stale value.
final class LoopGauges: Service, Sendable {
    private let cases: CaseProjection
    private let nps: NPSProjection?
    private let hub: StreamHub
    private let factory: any MetricsFactory
    private let window: TimeInterval
    private let shown = Mutex<Set<[String]>>([])

    init(cases: CaseProjection, nps: NPSProjection?, hub: StreamHub, factory: any MetricsFactory, window: Duration) {
        self.cases = cases
        self.nps = nps
        self.hub = hub
        self.factory = factory
        self.window = Double(window.components.seconds)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.update()
                try? await Task.sleep(for: .seconds(15))
            }
        }
    }

    func update(now: Date = Date()) async {
        let from = now.addingTimeInterval(-window)
        var npsRows: [NPSTally.Row] = []
        if let nps, let head = try? await hub.head(stream: RoutingRules.firehose) {
            npsRows = await nps.rows(for: NPSQuery(groupBy: [.segment, .channel], from: from, to: now), through: head, timeout: .seconds(5)) ?? []
        }
        let (report, unclosed) = cases.read { book in
            (LoopReport.compute(book: book, npsRows: npsRows, groupBy: [.segment, .channel], from: from, to: now), book.unclosedCount)
        }
        Gauge(label: "listening_post_cases_unclosed", factory: factory).record(unclosed)
        var current: [[String]: LoopReport.Row] = [:]
        for row in report.rows { current[[row.segment ?? "", row.channel ?? ""]] = row }
        let stale = shown.withLock { shown -> Set<[String]> in
            defer { shown = Set(current.keys) }
            return shown.subtracting(current.keys)
        }
        for key in stale { set(key, LoopReport.Row()) }
        for (key, row) in current { set(key, row) }
    }

    private func set(_ key: [String], _ row: LoopReport.Row) {
        let dimensions = [("segment", key[0]), ("channel", key[1])]
        func gauge(_ name: String, _ value: Double, _ extra: [(String, String)] = []) {
            Gauge(label: "listening_post_loop_\(name)", dimensions: dimensions + extra, factory: factory).record(value)
        }
        gauge("cases", Double(row.cases))
        gauge("detractor_coverage_ratio", row.detractorCoverage ?? 0)
        gauge("first_response_seconds", row.firstResponsePercentile(0.5) ?? 0, [("quantile", "0.5")])
        gauge("first_response_seconds", row.firstResponsePercentile(0.9) ?? 0, [("quantile", "0.9")])
        gauge("within_target_ratio", row.withinTargetShare ?? 0)
        gauge("closed", Double(row.closedConfirmed), [("outcome", "confirmed")])
        gauge("closed", Double(row.closedUnconfirmed), [("outcome", "unconfirmed")])
        gauge("recovery_mean", row.meanRecovery ?? 0)
    }
}
