import Synchronization

/// A value a config reload replaces, read whole by whoever needs it at that moment.
final class LiveValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    private let replacements = Atomic(0)

    init(_ value: Value) {
        self.storage = Mutex(value)
    }

    var current: Value { storage.withLock { $0 } }

    /// How many times the value was replaced: a loop that checks it on every turn reads
    /// the value itself only after it changed.
    var version: Int { replacements.load(ordering: .acquiring) }

    func replace(with value: Value) {
        storage.withLock { $0 = value }
        replacements.add(1, ordering: .releasing)
    }
}
