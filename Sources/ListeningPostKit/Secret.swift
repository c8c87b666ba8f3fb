/// A secret from the config: the value is there for the adapter to use, but printing it,
/// interpolating it or dumping it shows `<redacted>`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Use it only where the secret is needed; never log it.
    public let value: String
    /// Wraps a value.
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
