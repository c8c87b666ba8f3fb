import Logging
import Synchronization

/// Every log line an adapter writes, at every level, with its metadata, unredacted: the
/// conformance suite looks for secrets in what the adapter itself logs.
public final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    /// Creates an empty capture.
    public init() {}

    /// The captured lines: level, message, metadata and source.
    public var all: [String] { lines.withLock { $0 } }

    /// A logger writing here, at trace level.
    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    /// A handler writing here, to wrap in a handler under test.
    public func handler() -> some LogHandler { Handler(sink: self) }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.append("\(event.level) \(event.message) \(rendered) [\(event.source)]")
        }
    }
}
