import ListeningPostKit

/// The adapters a gateway can run, by `type:`. A value, so tests build one with exactly the
/// adapters they need (or none); the executable lists the built-in ones in one place.
public struct AdapterRegistry: Sendable {
    /// The adapter types, in listing order.
    public let adapters: [any ChannelAdapter.Type]

    /// Creates a registry. Two adapters with the same kind are a programming error.
    public init(_ adapters: [any ChannelAdapter.Type]) {
        var seen = Set<String>()
        for adapter in adapters {
            precondition(seen.insert(adapter.kind).inserted, "two adapters claim type '\(adapter.kind)'")
        }
        self.adapters = adapters
    }

    /// The adapter for a `type:` value.
    public func adapter(kind: String) -> (any ChannelAdapter.Type)? {
        adapters.first { $0.kind == kind }
    }

    /// The known kinds, for error messages.
    public var kinds: [String] { adapters.map { $0.kind } }
}
