import Synchronization

/// A value a config reload replaces, read whole by whoever needs it at that moment.
final class LiveValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) {
        self.storage = Mutex(value)
    }

    var current: Value { storage.withLock { $0 } }

    func replace(with value: Value) {
        storage.withLock { $0 = value }
    }
}
