import Foundation

/// A real SMTP server for a test: Debian's aiosmtpd (scripts/smtp-fixture.py) on a loopback
/// port of its own, STARTTLS and AUTH required, with the Dovecot fixture's certificate (so
/// a client trusts it with the same `ca_file`). Each accepted message is a file the test
/// reads back: the exact bytes, the envelope and the login.
public final class SMTPFixture: Sendable {
    public let port: Int
    public let spool: String
    public let username: String
    public let password: String
    private let process: Process
    private let input: Pipe

    /// One received message.
    public struct Received: Sendable {
        public var bytes: [UInt8]
        public var mailFrom: String
        public var recipients: [String]
        public var login: String?
        public var tls: Bool
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The value of a header (unfolded), or `nil`.
        public func header(_ name: String) -> String? {
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
            for line in unfolded.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { continue }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        /// The body after the header block.
        public var body: String { text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Starts a server with the Dovecot fixture's certificate.
    public init(dovecot: DovecotFixture = .shared, username: String = "smtp-user", password: String = "smtp-pw-0123") throws {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        port = 40_000 + (pid * 7 + Int.random(in: 0..<1_000)) % 20_000
        spool = NSTemporaryDirectory() + "lp-smtp-\(UUID().uuidString.prefix(8))"
        self.username = username
        self.password = password
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/smtp-fixture.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "\(port)", spool, "\(dovecot.root)/tls/server.pem", "\(dovecot.root)/tls/server.key", username, password]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "ready" once listening (aiosmtpd's Controller has bound the port by then).
        let line = output.fileHandleForReading.readData(ofLength: 6)
        guard String(decoding: line, as: UTF8.self).hasPrefix("ready") else {
            process.terminate()
            throw Failure(description: "the SMTP fixture did not start (is python3-aiosmtpd installed?)")
        }
    }

    deinit { stop() }

    /// Stops the server.
    public func stop() {
        if process.isRunning { process.terminate() }
    }

    /// Messages received so far, in order.
    public func received() -> [Received] {
        var messages: [Received] = []
        var index = 1
        while let bytes = FileManager.default.contents(atPath: "\(spool)/\(index).eml"),
            let meta = FileManager.default.contents(atPath: "\(spool)/\(index).json"),
            let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any]
        {
            messages.append(
                Received(
                    bytes: Array(bytes),
                    mailFrom: object["mail_from"] as? String ?? "",
                    recipients: object["rcpt_tos"] as? [String] ?? [],
                    login: object["login"] as? String,
                    tls: object["tls"] as? Bool ?? false
                )
            )
            index += 1
        }
        return messages
    }

    /// Waits until `count` messages have arrived (or `timeout`).
    public func waitFor(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let messages = received()
            if messages.count >= count || ContinuousClock.now > deadline { return messages }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
