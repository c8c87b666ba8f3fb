import Foundation

/// A thread of its own per mailbox: libcurl's calls block (an IDLE waits for minutes), so
/// they run here — never on the event loops or the cooperative pool, and not on
/// Dispatch's global queues either, whose few threads several idling mailboxes would
/// exhaust. The connection lives on this thread.
final class IMAPWorker: @unchecked Sendable {
    // `jobs` and `finished` are guarded by `condition`.
    private var jobs: [(inout IMAPConnection?) -> Void] = []
    private var finished = false
    private let condition = NSCondition()

    init(label: String) {
        let thread = Thread { [self] in
            var connection: IMAPConnection?
            while let job = nextJob() { job(&connection) }
            connection = nil
        }
        thread.name = "imap-\(label)"
        thread.start()
    }

    private func nextJob() -> ((inout IMAPConnection?) -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !finished { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }

    /// Ends the thread after the jobs already queued (it drops the connection).
    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` on the worker's thread with the connection (if any) and waits for it.
    func run<T: Sendable>(_ body: @escaping @Sendable (inout IMAPConnection?) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            jobs.append { connection in continuation.resume(with: Result { try body(&connection) }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Connected, or throws.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (IMAPConnection) throws -> T) async throws -> T {
        try await run { connection in
            guard let connection else { throw IMAPConnection.Failure(description: "not connected") }
            return try body(connection)
        }
    }
}
