/// Where leases live: the shared database, whose clock decides expiry.
public protocol LeaseStore: Sendable {
    /// Takes the lease if it is free or expired, bumping its epoch. Returns the new epoch, or
    /// `nil` while another holder's lease runs.
    func acquire(_ name: String, holder: String, ttl: Duration) async throws -> Int64?
    /// Extends a lease still held at `epoch`. Returns `false` if it moved on.
    func renew(_ name: String, holder: String, epoch: Int64, ttl: Duration) async throws -> Bool
    /// Lets the lease go now, so another gateway takes it at its next try.
    func release(_ name: String, holder: String, epoch: Int64) async throws
    /// The store's own words for one of its errors, for the log.
    func describe(_ error: any Error) -> String
}

extension LeaseStore {
    /// The error as it describes itself.
    public func describe(_ error: any Error) -> String { "\(error)" }
}
