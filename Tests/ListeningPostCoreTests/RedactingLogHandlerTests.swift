import ListeningPostCore
import ListeningPostTesting
import Logging
import Testing

@Suite struct RedactingLogHandlerTests {
    @Test func redactsTheMessageTheCallsMetadataAndTheLoggersOwnMetadata() {
        let capture = CapturedLog()
        let redactor = SecretRedactor()
        redactor.register(["hunter2-token"])
        var logger = Logger(label: "test") { _ in RedactingLogHandler(capture.handler(), redactor: redactor) }
        logger[metadataKey: "authorization"] = "Bearer hunter2-token"
        logger[metadataKey: "request"] = "r-1"
        logger.info("login with hunter2-token", metadata: ["request": "r-2", "detail": .array(["hunter2-token"])])
        // The call's metadata wins over the logger's; every value is redacted.
        #expect(capture.all.map { $0.prefix { $0 != "[" } } == [#"info login with <redacted> authorization=Bearer <redacted> detail="#])
        #expect(capture.all.first?.contains("request=r-2") == true)
        #expect(capture.all.joined().contains("hunter2") == false)
        #expect(logger[metadataKey: "request"] == "r-1")
    }
}
