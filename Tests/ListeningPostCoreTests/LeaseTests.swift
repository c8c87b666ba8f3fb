import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostPostgres
import ListeningPostStore
import Logging
import TestSupport
import Testing

/// Leases in the shared PostgreSQL log: one holder at a time, handed over on release or
/// expiry with a new epoch, and appends made under a lease that moved on refused at commit.
@Suite struct LeaseTests {
    static func keeper(_ log: any DurableEventLog, ttl: Duration = .seconds(3)) -> LeaseKeeper {
        LeaseKeeper(store: (log as! PostgresEventLog).leases, ttl: ttl, logger: Logger(label: "test"))
    }

    /// Whether `acquire` completes within `limit` (it is cancelled if not).
    static func acquires(_ keeper: LeaseKeeper, _ name: String, within limit: Duration) async -> HeldLease? {
        await withTaskGroup(of: HeldLease?.self) { group in
            group.addTask { try? await keeper.acquire(name) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func aLeaseHasOneHolderAndPassesOnAtReleaseOrExpiryWithANewEpoch() async throws {
        let url = PostgresFixture.shared.freshDatabase("lease")
        try await LogBackend.postgres.withLog(url) { log in
            let (a, b) = (Self.keeper(log), Self.keeper(log))
            #expect(a.holder != b.holder)
            let first = try await a.acquire("channel:mail")
            #expect(first.epoch == 1)
            #expect(await Self.acquires(b, "channel:mail", within: .seconds(2)) == nil, "a running lease has one holder")
            #expect(b.standingByName["channel:mail"] == .standby)

            // Released when the work under it returns: the other takes it at its next try.
            let took = try await a.run(under: first) { 42 }
            #expect(took == 42)
            let second = try #require(await Self.acquires(b, "channel:mail", within: .seconds(3)))
            #expect(second.epoch == 2)
            #expect(b.standingByName["channel:mail"] == .held(epoch: 2))

            // Never renewed (its holder stopped): free once its TTL has passed, not before.
            let start = ContinuousClock.now
            let third = try #require(await Self.acquires(a, "channel:mail", within: .seconds(8)))
            #expect(ContinuousClock.now - start >= .seconds(2))
            #expect(third.epoch == 3)
            #expect(!second.isLive)
        }
    }

    @Test func workUnderALeaseThatMovedOnIsCancelledAndAppendsMadeUnderItStoreNothing() async throws {
        let url = PostgresFixture.shared.freshDatabase("fence")
        try await LogBackend.postgres.withLog(url) { log in
            let (a, b) = (Self.keeper(log), Self.keeper(log))
            let old = try await a.acquire("channel:mail")
            func event(_ key: String) -> PreparedEvent {
                PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array("{\"key\":\"\(key)\"}".utf8), streams: ["all"])
            }
            _ = try await HeldLease.$current.withValue(old) {
                try await log.append(AppendRequest(channel: "mail", events: [event("m1")], checkpoint: "uid-1"))
            }

            // The holder is paused past its TTL; another gateway takes over.
            _ = PostgresFixture.shared.psql("UPDATE leases SET expires_at = now() - interval '1 second'", database: PostgresFixture.database(of: url))
            let new = try await b.acquire("channel:mail")
            #expect(new.epoch == old.epoch + 1)

            // The paused one wakes and commits what it had read, beside appends of others.
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let fenced = index.isMultiple(of: 2)
                        let request = AppendRequest(
                            channel: fenced ? "mail" : "web",
                            events: [event("k\(index)")],
                            checkpoint: fenced ? "uid-stale-\(index)" : nil
                        )
                        do {
                            _ = try await HeldLease.$current.withValue(fenced ? old : nil) { try await log.append(request) }
                            return ("k\(index)", true)
                        } catch {
                            return ("k\(index)", !(error is LeaseLost))
                        }
                    }
                }
                return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(
                outcomes.filter { !$0.value }.keys.sorted() == ["k0", "k2", "k4", "k6"],
                "every append under the old epoch fails with LeaseLost, and only those"
            )
            #expect(try await log.checkpoint(channel: "mail") == "uid-1")
            #expect(try await log.storedEventIds(channel: "mail", forDedupKeys: ["k0", "k2", "k4", "k6"]).isEmpty)
            #expect(try await log.storedEventIds(channel: "web", forDedupKeys: ["k1", "k3", "k5", "k7"]).count == 4)
            let all = try await log.read(stream: "all", after: 0, limit: 100)
            #expect(all.map(\.offset) == Array(1...Int64(all.count)))

            // The new holder commits; and the old holder's renewal finds the lease gone, so
            // its work is cancelled.
            _ = try await HeldLease.$current.withValue(new) {
                try await log.append(AppendRequest(channel: "mail", events: [event("m2")], checkpoint: "uid-2"))
            }
            #expect(try await log.checkpoint(channel: "mail") == "uid-2")
            let start = ContinuousClock.now
            await #expect(throws: LeaseLost.self) {
                try await a.run(under: old) { try await Task.sleep(for: .seconds(30)) }
            }
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(a.standingByName["channel:mail"] == .standby)
        }
    }
}
