import ListeningPostStore
import ListeningPostTesting
import Synchronization
import Testing

/// The waiting toolkit every loop uses. Each bound is one only the behaviour under test can
/// meet: a wake-up that falls back to its timeout takes 30 s, not 2.
@Suite struct ConcurrencyToolkitTests {
    @Test func aWakeupSignalledBeforeTheWaitIsKept() async throws {
        let wakeup = Wakeup()
        wakeup.signal()
        let returned = try await within(.seconds(2)) { await wakeup.wait(timeout: .seconds(30)) }
        #expect(returned != nil)
    }

    @Test func aWakeupWakesTheTaskWaitingOnIt() async throws {
        let wakeup = Wakeup()
        let waiter = Task { try await within(.seconds(2)) { await wakeup.wait(timeout: .seconds(30)) } }
        // Signal until the waiter is back: a signal sent before it waits is kept, so one is
        // enough either way; the loop only bounds the test.
        try await Task.sleep(for: .milliseconds(50))
        wakeup.signal()
        #expect(try await waiter.value != nil)
    }

    @Test func aWakeupNobodySignalsReturnsAtItsTimeout() async throws {
        let wakeup = Wakeup()
        let returned = try await within(.seconds(5)) { await wakeup.wait(timeout: .milliseconds(50)) }
        #expect(returned != nil)
    }

    @Test func aWaitOnAWakeupEndsWhenItsTaskIsCancelled() async throws {
        let wakeup = Wakeup()
        let waiter = Task { await wakeup.wait(timeout: .seconds(30)) }
        waiter.cancel()
        let ended = try await within(.seconds(2)) { await waiter.value }
        #expect(ended != nil)
    }

    @Test func theSerialGateRunsOneBodyAtATimeInArrivalOrder() async throws {
        final class Record: Sendable {
            let lines = Mutex<[String]>([])
            let inside = Mutex(0)
        }
        let gate = SerialGate()
        let record = Record()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    await gate.run {
                        let now = record.inside.withLock { inside in
                            inside += 1
                            return inside
                        }
                        record.lines.withLock { $0.append("in \(index) with \(now)") }
                        try? await Task.sleep(for: .milliseconds(5))
                        record.inside.withLock { $0 -= 1 }
                    }
                }
            }
        }
        let lines = record.lines.withLock { $0 }
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0.hasSuffix("with 1") })
    }

    @Test func progressWaitersWakeOnlyThoseWhosePositionIsReached() async throws {
        let progress = ProgressWaiters()
        let near = Task { try await within(.seconds(2)) { await progress.wait(for: 5, timeout: .seconds(30)) } }
        let far = Task { await progress.wait(for: 100, timeout: .milliseconds(300)) }
        try await Task.sleep(for: .milliseconds(50))
        progress.advance(to: 7)
        #expect(try await near.value == true)
        #expect(await far.value == false)
        progress.advance(to: 3)
        #expect(progress.reached == 7)
        #expect(await progress.wait(for: 6, timeout: .seconds(30)))
    }

    @Test func abandoningReturnsAtItsLimitEvenIfTheBodyIgnoresCancellation() async throws {
        let overran = try await within(.seconds(5)) { () -> Bool in
            do {
                _ = try await abandoning(after: .milliseconds(100)) { () -> Int in
                    // Ignores cancellation, as a hung driver call would.
                    try? await Task.sleep(for: .seconds(2))
                    return 1
                }
                return false
            } catch is QueryOverran {
                return true
            }
        }
        #expect(overran == true)
        #expect(try await abandoning(after: .seconds(5)) { 42 } == 42)
    }

    @Test func withDeadlineSaysWhatTimedOut() async throws {
        await #expect(throws: EventLogError.self) {
            try await withDeadline(.milliseconds(50), what: "connecting to db") { try await Task.sleep(for: .seconds(5)) }
        }
        do {
            try await withDeadline(.milliseconds(50), what: "connecting to db") { try await Task.sleep(for: .seconds(5)) }
        } catch {
            #expect("\(error)".contains("timed out after"))
            #expect("\(error)".contains("connecting to db"))
        }
    }
}
