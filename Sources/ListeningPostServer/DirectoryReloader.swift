import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import ServiceLifecycle
import UnixSignals

/// Keeps the customer directory current: reloads the CSV file when its modification time
/// or size changes (and on SIGHUP, when no ``ConfigReloader`` owns that signal), validates
/// the whole new directory before swapping it in (a bad file keeps the old one and logs
/// why), and records a merge for every provisional customer a new entry adopts — at
/// startup too.
public struct DirectoryReloader: Service {
    private let live: LiveValue<CustomerSettings>
    var settings: CustomerSettings { live.current }
    let router: EventRouter
    let log: any EventLog
    let ids: EventIDGenerator
    let logger: Logger
    /// How often the file's modification time is checked.
    let pollInterval: Duration
    /// Whether SIGHUP reloads the directory; off when the whole config reloads on it.
    let handlesSIGHUP: Bool

    /// Creates a reloader.
    public init(
        settings: CustomerSettings,
        router: EventRouter,
        log: any EventLog,
        ids: EventIDGenerator,
        logger: Logger,
        pollInterval: Duration = .seconds(2),
        handlesSIGHUP: Bool = true
    ) {
        self.live = LiveValue(settings)
        self.handlesSIGHUP = handlesSIGHUP
        self.router = router
        self.log = log
        self.ids = ids
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// Switches to the settings of a reloaded config (its directory is already loaded and
    /// in the router): the file watched from now on is the new `customers.file`.
    public func replace(settings: CustomerSettings) {
        live.replace(with: settings)
    }

    public func run() async throws {
        await recordMerges(router.directory)
        if let file = settings.file {
            logger.info("customer directory: \(router.directory.customers.count) customers; reloading \(file) when it changes")
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                // When this owns SIGHUP it traps it always, so a habitual `kill -HUP` never ends the gateway.
                if handlesSIGHUP {
                    group.addTask {
                        for await _ in await UnixSignalsSequence(trapping: .sighup) {
                            if self.settings.file == nil {
                                self.logger.notice("SIGHUP: there is no customers.file to reload; nothing to do")
                            } else {
                                await self.reload(reason: "SIGHUP")
                            }
                        }
                    }
                }
                group.addTask {
                    var watched = self.settings.file
                    var stamp = watched.flatMap(Self.stamp(of:))
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)
                        let file = self.settings.file
                        guard let file else {
                            watched = nil
                            continue
                        }
                        let now = Self.stamp(of: file)
                        // A new file named by a config reload was loaded with it: watch it from here.
                        if file != watched {
                            watched = file
                            stamp = now
                        } else if now != stamp {
                            stamp = now
                            await self.reload(reason: "\(file) changed")
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Records the merges a directory loaded elsewhere (by a config reload) implies.
    public func adopt(_ directory: CustomerDirectory) async {
        await recordMerges(directory)
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
                metadata: ["problems": "\(error.problems.map(\.description).joined(separator: "; "))"]
            )
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
