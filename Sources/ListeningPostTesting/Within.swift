/// Runs `operation` and gives its result, or `nil` when it has not returned within
/// `bound` (it is then cancelled). For tests of a wake-up: the bound is one that only the
/// wake-up can meet (a fallback timer or poll would take longer), so a broken wake-up
/// fails the test instead of making it slower.
///
/// ```swift
/// let woke = try await within(.seconds(2)) { await hub.waitForEntries(stream: "all", after: 0, timeout: .seconds(30)) }
/// #expect(woke == true)
/// ```
public func within<T: Sendable>(_ bound: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(for: bound)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
