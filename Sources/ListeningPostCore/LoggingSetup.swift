import Logging

/// Process-wide logging: text or JSON on standard error, every line redacted.
public enum LoggingSetup {
    /// Bootstraps swift-log once per process.
    public static func bootstrap(format: String, level: Logger.Level, redactor: SecretRedactor) {
        LoggingSystem.bootstrap { label in
            var inner: any LogHandler = format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            inner.logLevel = level
            return RedactingLogHandler(inner, redactor: redactor)
        }
    }
}
