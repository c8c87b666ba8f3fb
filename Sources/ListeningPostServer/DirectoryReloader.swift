import Foundation
import ListeningPostCore
import ListeningPostKit
import Logging
import ServiceLifecycle
import UnixSignals

/// Keeps the customer directory current: reloads the CSV file on SIGHUP and when its
/// modification time or size changes, validates the whole new directory before swapping
/// it in (a bad file keeps the old one and logs why), and records a merge for every
/// provisional customer a new entry adopts — at startup too.
public struct DirectoryReloader: Service {
    let settings: CustomerSettings
    let router: EventRouter
    let log: any EventLog
    let ids: EventIDGenerator
    let logger: Logger
    /// How often the file's modification time is checked.
    let pollInterval: Duration

    /// Creates a reloader.
    public init(settings: CustomerSettings, router: EventRouter, log: any EventLog, ids: EventIDGenerator, logger: Logger, pollInterval: Duration = .seconds(2)) {
        self.settings = settings
        self.router = router
        self.log = log
        self.ids = ids
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        await recordMerges(router.directory)
        let file = settings.file
        if let file {
            logger.info("customer directory: \(router.directory.customers.count) customers; reloading \(file) on SIGHUP and when it changes")
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                // SIGHUP is always trapped, so a habitual `kill -HUP` never ends the gateway.
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        if file == nil {
                            self.logger.notice("SIGHUP: there is no customers.file to reload; nothing to do")
                        } else {
                            await self.reload(reason: "SIGHUP")
                        }
                    }
                }
                if let file {
                    group.addTask {
                        var stamp = Self.stamp(of: file)
                        while !Task.isCancelled {
                            try? await Task.sleep(for: self.pollInterval)
                            let now = Self.stamp(of: file)
                            if now != stamp {
                                stamp = now
                                await self.reload(reason: "\(file) changed")
                            }
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Loads and validates the directory; swaps it in only when it is valid.
    @discardableResult
    public func reload(reason: String) async -> Bool {
        do {
            let directory = try settings.loadDirectory()
            router.replace(directory: directory)
            logger.notice("customer directory reloaded (\(reason)): \(directory.customers.count) customers")
            await recordMerges(directory)
            return true
        } catch {
            logger.error(
                "customer directory NOT reloaded (\(reason)); keeping the previous one (\(router.directory.customers.count) customers)",
                metadata: ["problems": "\(error.problems.map(\.description).joined(separator: "; "))"])
            return false
        }
    }

    private func recordMerges(_ directory: CustomerDirectory) async {
        do {
            let merged = try await CustomerMerges.record(directory: directory, log: log, ids: ids)
            if merged > 0 { logger.notice("\(merged) provisional customer(s) adopted by directory entries") }
        } catch {
            logger.error("could not record customer merges; will retry on the next reload", metadata: ["error": "\(error)"])
        }
    }

    private static func stamp(of file: String) -> [String]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { return nil }
        return ["\(attributes[.modificationDate] ?? "")", "\(attributes[.size] ?? "")"]
    }
}
