import Logging

/// Wraps a log handler so no registered secret reaches it: the message and every metadata
/// value pass through the ``SecretRedactor`` first.
///
/// The logger's own metadata is kept here and handed to the inner handler with each event,
/// so it is redacted too, and setting it costs a dictionary write: Hummingbird sets a
/// request id on every request's logger, and `StreamLogHandler` re-renders all its
/// metadata on every such write (about 2 % of the gateway's time under webhook load).
public struct RedactingLogHandler: LogHandler {
    private var inner: any LogHandler
    private let redactor: SecretRedactor

    /// Wraps `inner`.
    public init(_ inner: any LogHandler, redactor: SecretRedactor) {
        self.inner = inner
        self.redactor = redactor
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata = [:]

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(redactor.redact(event.message.description))"
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, explicit in explicit } }
        event.metadata = merged.isEmpty ? nil : merged.mapValues(redact)
        inner.log(event: event)
    }

    private func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(redactor.redact(text))
        case .stringConvertible(let convertible): .string(redactor.redact(convertible.description))
        case .array(let values): .array(values.map(redact))
        case .dictionary(let values): .dictionary(values.mapValues(redact))
        }
    }
}
