import Foundation
import ListeningPostKit
import Logging
import Synchronization

/// One connected session of an IMAP channel: open the mailbox, catch up from the
/// committed `(UIDVALIDITY, last UID)` checkpoint in batches, then wait for new mail with
/// IDLE (or poll) and catch up again, until shutdown. Any failure ends the session with an
/// error; the supervisor logs it, marks the channel unhealthy and retries with backoff.
struct IMAPSync: Sendable {
    let settings: IMAPSettings
    let context: AdapterContext
    let worker: IMAPWorker
    let stopping: StopFlag

    /// `v1:<uidvalidity>:<last uid>`, and while a mailbox is read again after a UIDVALIDITY
    /// change, `:<rescan through>`: the highest UID that was there at the change. Those
    /// messages may have been stored by an earlier release under its Message-ID-only key,
    /// so their old keys are looked up before they are stored (see ``MessageIdentity``).
    struct Checkpoint: Equatable {
        var uidValidity: UInt32
        var lastUID: UInt32
        var rescanThrough: UInt32?

        var text: String { "v1:\(uidValidity):\(lastUID)" + (rescanThrough.map { ":\($0)" } ?? "") }

        init(uidValidity: UInt32, lastUID: UInt32, rescanThrough: UInt32? = nil) {
            self.uidValidity = uidValidity
            self.lastUID = lastUID
            self.rescanThrough = rescanThrough.flatMap { $0 > lastUID ? $0 : nil }
        }

        init?(_ text: String?) {
            let parts = text?.split(separator: ":") ?? []
            guard parts.count == 3 || parts.count == 4, parts[0] == "v1", let validity = UInt32(parts[1]), let last = UInt32(parts[2]) else {
                return nil
            }
            let rescan = parts.count == 4 ? UInt32(parts[3]) : nil
            if parts.count == 4, rescan == nil { return nil }
            self.init(uidValidity: validity, lastUID: last, rescanThrough: rescan)
        }

        /// The checkpoint after a batch up to `uid`.
        func advanced(to uid: UInt32) -> Checkpoint {
            Checkpoint(uidValidity: uidValidity, lastUID: uid, rescanThrough: rescanThrough)
        }
    }

    var isStopping: Bool { stopping.isSet }

    func run() async throws {
        let options = IMAPConnection.Options(
            url: settings.serverURL,
            username: settings.username,
            password: settings.password?.value,
            bearerToken: settings.bearerToken?.value,
            requireTLS: settings.requireTLS,
            caFile: settings.caFile,
            connectTimeout: settings.timeout,
            maxLiteralSize: settings.maxMessageSize + 64 * 1024
        )
        try await worker.run { connection in
            connection = nil
            connection = try IMAPConnection(options)
        }
        let readOnly = settings.afterCommit == .nothing
        let mailbox = settings.mailbox
        let timeout = settings.timeout
        let opened = try await worker.withConnection { connection in
            // EXAMINE when nothing is to change: the server then guarantees no flag moves.
            let answer = try connection.command("\(readOnly ? "EXAMINE" : "SELECT") \(IMAPSync.quoted(mailbox))", timeout: timeout)
            return (IMAPSync.code("UIDVALIDITY", in: answer.responses), IMAPSync.code("UIDNEXT", in: answer.responses), connection.capabilities)
        }
        guard let uidValidity = opened.0 else { throw IMAPConnection.Failure(description: "the server did not report UIDVALIDITY for \(mailbox)") }
        let canIdle = settings.idle && opened.2.contains("IDLE")
        context.metrics.healthy(true)
        context.logger.info(
            "opened \(mailbox) (UIDVALIDITY \(uidValidity)); \(canIdle ? "waiting with IDLE" : "polling every \(settings.pollInterval)")"
        )

        var checkpoint = try await startingPoint(uidValidity: uidValidity, uidNext: opened.1)
        while !isStopping {
            checkpoint = try await catchUp(from: checkpoint)
            if isStopping { break }
            if canIdle {
                let stopping = self.stopping
                _ = try await worker.withConnection { try $0.idle(for: .seconds(25 * 60)) { stopping.isSet } }
            } else {
                // Against a deadline, not a sum of steps: each short sleep overshoots a
                // little, and on a busy machine eight overshoots made a late poll.
                let deadline = context.clock.now().addingTimeInterval(
                    Double(settings.pollInterval.components.seconds) + Double(settings.pollInterval.components.attoseconds) / 1e18
                )
                while !isStopping {
                    let left = deadline.timeIntervalSince(context.clock.now())
                    if left <= 0 { break }
                    try await context.clock.sleep(for: .milliseconds(Int(min(250, left * 1000).rounded(.up))))
                }
                // The catch-up that follows starts with NOOP, which makes the server look
                // for new mail (Dovecot rescans the Maildir on it).
            }
        }
    }

    /// Where to start: the committed checkpoint; on the first start, now (or the backfill
    /// horizon); after a UIDVALIDITY change, the whole mailbox again (dedup by Message-ID
    /// keeps it from repeating what is stored, including what an earlier release stored).
    private func startingPoint(uidValidity: UInt32, uidNext: UInt32?) async throws -> Checkpoint {
        let saved = Checkpoint(try await context.sink.lastCheckpoint())
        if let saved, saved.uidValidity == uidValidity { return saved }
        if let saved {
            context.logger.warning(
                "UIDVALIDITY of \(settings.mailbox) changed from \(saved.uidValidity) to \(uidValidity); re-reading the mailbox (stored messages are recognised by their dedup keys)"
            )
            return Checkpoint(uidValidity: uidValidity, lastUID: 0, rescanThrough: uidNext.map { $0 - 1 } ?? UInt32.max)
        }
        if settings.backfill > .zero {
            let since = context.clock.now().addingTimeInterval(-Double(settings.backfill.components.seconds))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "d-MMM-yyyy"
            let timeout = settings.timeout
            let uids = try await worker.withConnection {
                try IMAPSync.search($0, "UID SEARCH SINCE \(formatter.string(from: since))", timeout: timeout)
            }
            let start = Checkpoint(uidValidity: uidValidity, lastUID: (uids.min() ?? uidNext ?? 1) - 1)
            context.logger.info("first start: importing \(uids.count) message(s) from the last \(settings.backfill)")
            return start
        }
        // Nothing older than now: remember where the mailbox ends, durably, before waiting.
        let timeout = settings.timeout
        let last: UInt32
        if let uidNext {
            last = uidNext - 1
        } else {
            last = try await worker.withConnection { try IMAPSync.search($0, "UID SEARCH ALL", timeout: timeout).max() ?? 0 }
        }
        let start = Checkpoint(uidValidity: uidValidity, lastUID: last)
        _ = try await context.sink.submit([], checkpoint: start.text)
        context.logger.info("first start: importing mail that arrives from now on (after UID \(last))")
        return start
    }

    /// Imports everything after the checkpoint, a batch per transaction.
    private func catchUp(from checkpoint: Checkpoint) async throws -> Checkpoint {
        let timeout = settings.timeout
        let last = checkpoint.lastUID
        // One trip to the connection's thread: NOOP (so the server notices new mail), then
        // the UID and size of every message after the checkpoint, which both finds the new
        // UIDs and tells which are too large to fetch whole. "n:*" always includes the
        // highest UID, even below n, so filter.
        let sizes = try await worker.withConnection { connection -> [UInt32: Int] in
            try connection.command("NOOP", timeout: timeout)
            var sizes: [UInt32: Int] = [:]
            try connection.command("UID FETCH \(last + 1):* (UID RFC822.SIZE)", timeout: timeout) { response in
                if let item = IMAPSync.fetchItems(response), let uid = item.uid { sizes[uid] = item.size ?? 0 }
                return false
            }
            return sizes
        }.filter { $0.key > last }
        let uids = sizes.keys.sorted()
        let batches = stride(from: 0, to: uids.count, by: settings.batchSize).map { Array(uids[$0..<min($0 + settings.batchSize, uids.count)]) }
        var current = checkpoint
        // The next batch is fetched and parsed while this one commits: the fsync and the
        // network then overlap instead of taking turns. Only the fetch runs ahead; the
        // checkpoint still moves batch by batch, after each commit.
        let uidValidity = checkpoint.uidValidity
        var prefetch: Task<[(uid: UInt32, message: InboundMessage)], any Error>? = batches.first.map { first in
            Task { try await fetch(first, sizes: sizes, uidValidity: uidValidity) }
        }
        do {
            for (index, batch) in batches.enumerated() {
                if isStopping { break }
                guard let fetching = prefetch else { break }
                let messages = try await fetching.value
                prefetch =
                    index + 1 < batches.count
                    ? Task { [batches] in try await fetch(batches[index + 1], sizes: sizes, uidValidity: uidValidity) } : nil
                current = try await commit(messages, batch: batch, after: current)
            }
        } catch {
            // A fetch still running holds the connection: let it finish before the session
            // (and its connection) goes away.
            _ = try? await prefetch?.value
            throw error
        }
        _ = try? await prefetch?.value
        return current
    }

    /// Stores one batch with the checkpoint after it, then does what `after_commit` asks.
    private func commit(_ fetched: [(uid: UInt32, message: InboundMessage)], batch: [UInt32], after current: Checkpoint) async throws -> Checkpoint {
        let next = current.advanced(to: batch.last!)
        let messages = try await withoutLegacyCopies(fetched, rescanThrough: current.rescanThrough)
        let receipts = try await context.sink.submit(messages, checkpoint: next.text)
        let unparseable = messages.filter { $0.flags.contains(.unparseable) }.count
        if unparseable > 0 {
            context.metrics.rejected(reason: "unparseable")
            context.logger.warning("\(unparseable) message(s) could not be parsed; stored with their raw headers, flagged unparseable")
        }
        context.logger.debug("stored \(receipts.filter { !$0.duplicate }.count) message(s) up to UID \(next.lastUID)")
        try await afterCommit(batch)
        return next
    }

    /// The messages of a batch, less those an earlier release stored under its
    /// Message-ID-only key (looked for only while re-reading what was there at a
    /// UIDVALIDITY change: a new mail that merely shares a Message-ID is a new message).
    private func withoutLegacyCopies(_ fetched: [(uid: UInt32, message: InboundMessage)], rescanThrough: UInt32?) async throws -> [InboundMessage] {
        guard let rescanThrough else { return fetched.map(\.message) }
        let legacyKeys = fetched.filter { $0.uid <= rescanThrough }.compactMap { MessageIdentity.legacyDedupKey(for: $0.message.dedupKey) }
        guard !legacyKeys.isEmpty else { return fetched.map(\.message) }
        let stored = try await context.sink.storedEventIds(forDedupKeys: legacyKeys)
        guard !stored.isEmpty else { return fetched.map(\.message) }
        context.logger.info("\(stored.count) message(s) were stored by an earlier release under their Message-ID; not stored again")
        return fetched.filter { item in
            guard item.uid <= rescanThrough, let legacy = MessageIdentity.legacyDedupKey(for: item.message.dedupKey) else { return true }
            return stored[legacy] == nil
        }.map(\.message)
    }

    /// Fetches a batch without changing it (BODY.PEEK); oversized messages by header only.
    private func fetch(_ uids: [UInt32], sizes: [UInt32: Int], uidValidity: UInt32) async throws -> [(uid: UInt32, message: InboundMessage)] {
        let timeout = settings.timeout
        let limit = settings.maxMessageSize
        let mailbox = settings.mailbox
        let raw = try await worker.withConnection { connection -> [(uid: UInt32, bytes: [UInt8], truncated: Bool)] in
            let small = uids.filter { (sizes[$0] ?? 0) <= limit }
            let large = uids.filter { (sizes[$0] ?? 0) > limit }
            var bodies: [UInt32: (bytes: [UInt8], truncated: Bool)] = [:]
            if !small.isEmpty {
                try connection.command("UID FETCH \(IMAPSync.uidSet(small)) (UID BODY.PEEK[])", timeout: timeout) { response in
                    if let item = IMAPSync.fetchItems(response), let uid = item.uid, let body = item.body { bodies[uid] = (body, false) }
                    return false
                }
            }
            if !large.isEmpty {
                try connection.command("UID FETCH \(IMAPSync.uidSet(large)) (UID BODY.PEEK[HEADER])", timeout: timeout) { response in
                    if let item = IMAPSync.fetchItems(response), let uid = item.uid, let body = item.body { bodies[uid] = (body, true) }
                    return false
                }
            }
            // A UID that vanished between SEARCH and FETCH (expunged) has no body: skipped.
            return uids.compactMap { uid in bodies[uid].map { (uid, $0.bytes, $0.truncated) } }
        }
        return raw.map { item in
            var message = EmailMessageMapper.message(from: item.bytes, at: .init(mailbox: mailbox, uidValidity: uidValidity, uid: item.uid))
            if item.truncated { message.flags.insert(.truncated) }
            return (item.uid, message)
        }
    }

    private func afterCommit(_ uids: [UInt32]) async throws {
        guard settings.afterCommit != .nothing, !uids.isEmpty else { return }
        let timeout = settings.timeout
        let set = IMAPSync.uidSet(uids)
        let action = settings.afterCommit
        let folder = settings.moveTo ?? ""
        do {
            try await worker.withConnection { connection in
                if action == .flagSeen {
                    try connection.command("UID STORE \(set) +FLAGS.SILENT (\\Seen)", timeout: timeout)
                } else if connection.capabilities.contains("MOVE") {
                    try connection.command("UID MOVE \(set) \(IMAPSync.quoted(folder))", timeout: timeout)
                } else {
                    try connection.command("UID COPY \(set) \(IMAPSync.quoted(folder))", timeout: timeout)
                    try connection.command("UID STORE \(set) +FLAGS.SILENT (\\Deleted)", timeout: timeout)
                    try connection.command(connection.capabilities.contains("UIDPLUS") ? "UID EXPUNGE \(set)" : "EXPUNGE", timeout: timeout)
                }
            }
        } catch {
            // The events are committed; the action is not retried, so say so plainly.
            context.logger.error(
                "after_commit \(action.name) failed for UIDs \(set); the messages are stored but were left as they were",
                metadata: ["error": "\(error)"]
            )
        }
    }

    // MARK: Pure helpers

    static func quoted(_ mailbox: String) -> String {
        "\"" + mailbox.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `1:5,7,9:10` for `[1,2,3,4,5,7,9,10]`.
    static func uidSet(_ uids: [UInt32]) -> String {
        var ranges: [String] = []
        var runStart: UInt32?
        var previous: UInt32?
        for uid in uids.sorted() {
            if let previousUID = previous, uid == previousUID + 1 {
                previous = uid
                continue
            }
            if let start = runStart, let end = previous { ranges.append(start == end ? "\(start)" : "\(start):\(end)") }
            runStart = uid
            previous = uid
        }
        if let start = runStart, let end = previous { ranges.append(start == end ? "\(start)" : "\(start):\(end)") }
        return ranges.joined(separator: ",")
    }

    /// A response code's number in `* OK [NAME n] …` lines.
    static func code(_ name: String, in responses: [IMAPResponse]) -> UInt32? {
        for case .status("OK", let text) in responses where text.hasPrefix("[\(name) ") {
            let digits = text.dropFirst(name.count + 2).prefix { $0.isNumber }
            return UInt32(digits)
        }
        return nil
    }

    static func search(_ connection: IMAPConnection, _ command: String, timeout: Duration) throws -> [UInt32] {
        var uids: [UInt32] = []
        try connection.command(command, timeout: timeout) { response in
            if case .data(let values) = response, values.first?.atom?.uppercased() == "SEARCH" {
                uids += values.dropFirst().compactMap { $0.atom.flatMap(UInt32.init) }
                return false
            }
            return true
        }
        return uids
    }

    struct FetchItems {
        var uid: UInt32?
        var size: Int?
        var body: [UInt8]?
    }

    /// UID, RFC822.SIZE and the body of a `* n FETCH (…)` response.
    static func fetchItems(_ response: IMAPResponse) -> FetchItems? {
        guard case .data(let values) = response, values.count >= 3, values[1].atom?.uppercased() == "FETCH", case .list(let items) = values[2] else {
            return nil
        }
        var result = FetchItems()
        var index = 0
        while index + 1 < items.count {
            let name = items[index].atom?.uppercased() ?? ""
            let value = items[index + 1]
            switch name {
            case "UID": result.uid = value.atom.flatMap(UInt32.init)
            case "RFC822.SIZE": result.size = value.atom.flatMap(Int.init)
            case "BODY[]", "BODY[HEADER]", "RFC822":
                if case .bytes(let bytes) = value { result.body = bytes }
            default: break
            }
            index += 2
        }
        return result
    }
}

/// Set once, on graceful shutdown; read by the session between steps and during IDLE.
final class StopFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
