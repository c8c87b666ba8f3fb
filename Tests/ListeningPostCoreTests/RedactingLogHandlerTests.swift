import ListeningPostCore
import Logging
import Synchronization
import Testing

@Suite struct RedactingLogHandlerTests {
    /// Collects what reaches the inner handler.
    final class Inner: LogHandler, @unchecked Sendable {
        let events = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            events.withLock { $0.append((event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })) }
        }
    }

    @Test func redactsTheMessageTheCallsMetadataAndTheLoggersOwnMetadata() {
        let inner = Inner()
        let redactor = SecretRedactor()
        redactor.register(["hunter2-token"])
        var logger = Logger(label: "test") { _ in RedactingLogHandler(inner, redactor: redactor) }
        logger[metadataKey: "authorization"] = "Bearer hunter2-token"
        logger[metadataKey: "request"] = "r-1"
        logger.info("login with hunter2-token", metadata: ["request": "r-2", "detail": .array(["hunter2-token"])])
        let events = inner.events.withLock { $0 }
        #expect(events.count == 1)
        #expect(events.first?.message == "login with <redacted>")
        #expect(events.first?.metadata["authorization"] == "Bearer <redacted>")
        #expect(events.first?.metadata["request"] == "r-2")  // the call's value wins
        #expect(events.first?.metadata["detail"] == .array(["<redacted>"]))
        #expect(logger[metadataKey: "request"] == "r-1")
    }
}
