import CCurl
import Foundation
import ListeningPostKit

#if canImport(Glibc)
import Glibc
#endif

/// One logged-in IMAP connection. libcurl does the transport, TLS (implicit or STARTTLS)
/// and the login (SASL, XOAUTH2) in connect-only mode; after that, raw IMAP goes over
/// `curl_easy_send`/`curl_easy_recv` and ``IMAPResponseParser`` reads the answers. That
/// gives bulk `UID FETCH … BODY.PEEK[]` and IDLE, which libcurl's URL interface lacks.
///
/// Blocking: use it from one thread at a time, off the event loops (``IMAPWorker``).
final class IMAPConnection {
    struct Options: Sendable {
        var url: String
        var username: String
        var password: String?
        var bearerToken: String?
        var requireTLS: Bool
        var caFile: String?
        var connectTimeout: Duration
        var maxLiteralSize: Int
    }

    /// A libcurl or protocol failure, with libcurl's code and words where there are some.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// libcurl's code (67 = login denied, 60 = certificate, 7 = cannot connect, …).
        var curlCode: Int?
    }

    private let handle: UnsafeMutableRawPointer
    private var parser: IMAPResponseParser
    private var nextTag = 1
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    private var receiveBuffer = [UInt8](repeating: 0, count: 256 * 1024)
    private let socket: Int32
    private(set) var capabilities: Set<String> = []

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Connects and logs in; throws with libcurl's reason (bad password, TLS, refused, …).
    init(_ options: Options) throws(Failure) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not make a handle") }
        self.handle = handle
        parser = IMAPResponseParser(maxLiteralSize: options.maxLiteralSize)
        var ok = true
        func set(_ option: CURLoption, _ value: Int) { ok = ok && lp_curl_setopt_long(handle, option, value) == CURLE_OK }
        func set(_ option: CURLoption, _ value: String) { ok = ok && lp_curl_setopt_string(handle, option, value) == CURLE_OK }
        errorBuffer.withUnsafeMutableBufferPointer { _ = lp_curl_setopt_errorbuffer(handle, $0.baseAddress) }
        set(CURLOPT_URL, options.url)
        set(CURLOPT_USERNAME, options.username)
        if let password = options.password { set(CURLOPT_PASSWORD, password) }
        if let token = options.bearerToken {
            set(CURLOPT_XOAUTH2_BEARER, token)
            set(CURLOPT_LOGIN_OPTIONS, "AUTH=*")
        }
        if options.requireTLS { set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let caFile = options.caFile { set(CURLOPT_CAINFO, caFile) }
        set(CURLOPT_CONNECT_ONLY, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout.components.seconds * 1000))
        set(CURLOPT_NOSIGNAL, 1)
        guard ok else {
            curl_easy_cleanup(handle)
            throw Failure(description: "libcurl refused an option (is libcurl built with IMAP and TLS?)")
        }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let failure = Self.failure(code, buffer: errorBuffer)
            curl_easy_cleanup(handle)
            throw failure
        }
        var socket: curl_socket_t = -1
        guard lp_curl_getinfo_socket(handle, &socket) == CURLE_OK, socket >= 0 else {
            curl_easy_cleanup(handle)
            throw Failure(description: "libcurl connected but gave no socket")
        }
        self.socket = socket
        let answer = try command("CAPABILITY", timeout: options.connectTimeout)
        for case .data(let values) in answer.responses where values.first?.atom?.uppercased() == "CAPABILITY" {
            capabilities.formUnion(values.dropFirst().compactMap { $0.atom?.uppercased() })
        }
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    private static func failure(_ code: CURLcode, buffer: [CChar]) -> Failure {
        let detail = String(cString: buffer)
        let text = String(cString: curl_easy_strerror(code))
        return Failure(description: "libcurl error \(code.rawValue) (\(text))\(detail.isEmpty ? "" : ": \(detail)")", curlCode: Int(code.rawValue))
    }

    /// The answer to one command: what came before its tagged status, and the status.
    struct Answer {
        var responses: [IMAPResponse]
        var status: String
        var text: String
    }

    /// Sends a command and reads to its tagged answer. `onResponse` sees each untagged
    /// response as it arrives (return `false` to keep it out of `responses`, so a bulk
    /// fetch does not pile up).
    @discardableResult
    func command(_ text: String, timeout: Duration, onResponse: (IMAPResponse) throws -> Bool = { _ in true }) throws(Failure) -> Answer {
        let tag = "L\(nextTag)"
        nextTag += 1
        try send(Array("\(tag) \(text)\r\n".utf8), timeout: timeout)
        var kept: [IMAPResponse] = []
        let deadline = ContinuousClock.now + timeout
        while true {
            let response = try read(until: deadline)
            if case .tagged(let answerTag, let status, let text) = response, answerTag == tag {
                guard status == "OK" else {
                    throw Failure(description: "\(text.isEmpty ? status : text) (to \(text.hasPrefix("LOGIN") ? "LOGIN" : String(text.prefix(40))))")
                }
                return Answer(responses: kept, status: status, text: text)
            }
            if case .status("BYE", let text) = response { throw Failure(description: "the server closed the connection: \(text)") }
            do {
                if try onResponse(response) { kept.append(response) }
            } catch {
                throw Failure(description: "\(error)")
            }
        }
    }

    /// Starts IDLE (RFC 2177) and waits until the server reports new mail (`EXISTS`), the
    /// time is up, or `stop` says so; then ends it with DONE. Returns whether mail arrived.
    func idle(for duration: Duration, stop: () -> Bool) throws(Failure) -> Bool {
        let tag = "L\(nextTag)"
        nextTag += 1
        try send(Array("\(tag) IDLE\r\n".utf8), timeout: .seconds(30))
        guard case .continuation = try read(until: .now + .seconds(30)) else { throw Failure(description: "the server did not accept IDLE") }
        let deadline = ContinuousClock.now + duration
        var arrived = false
        while !arrived, !stop(), ContinuousClock.now < deadline {
            // Short waits, so shutdown is noticed within a second.
            if let response = try read(until: min(deadline, .now + .seconds(1)), allowTimeout: true) {
                if case .data(let values) = response, values.count >= 2, values[1].atom?.uppercased() == "EXISTS" { arrived = true }
                if case .status("BYE", let text) = response { throw Failure(description: "the server closed the connection: \(text)") }
            }
        }
        try send(Array("DONE\r\n".utf8), timeout: .seconds(30))
        while true {
            let response = try read(until: .now + .seconds(30))
            if case .tagged(let answerTag, _, _) = response, answerTag == tag { return arrived }
            if case .data(let values) = response, values.count >= 2, values[1].atom?.uppercased() == "EXISTS" { arrived = true }
        }
    }

    private func send(_ bytes: [UInt8], timeout: Duration) throws(Failure) {
        var offset = 0
        let deadline = ContinuousClock.now + timeout
        while offset < bytes.count {
            var sent = 0
            let code = bytes[offset...].withUnsafeBytes { buffer in curl_easy_send(handle, buffer.baseAddress, buffer.count, &sent) }
            if code == CURLE_AGAIN {
                try wait(events: Int16(POLLOUT), until: deadline)
                continue
            }
            guard code == CURLE_OK else { throw Self.failure(code, buffer: errorBuffer) }
            offset += sent
        }
    }

    private func read(until deadline: ContinuousClock.Instant) throws(Failure) -> IMAPResponse {
        guard let response = try read(until: deadline, allowTimeout: false) else { throw Failure(description: "timed out waiting for the server") }
        return response
    }

    /// The next response, reading from the socket as needed; `nil` on timeout if allowed.
    private func read(until deadline: ContinuousClock.Instant, allowTimeout: Bool) throws(Failure) -> IMAPResponse? {
        while true {
            do {
                if let response = try parser.next() { return response }
            } catch {
                throw Failure(description: "the server broke the IMAP protocol: \(error)")
            }
            var received = 0
            let code = receiveBuffer.withUnsafeMutableBytes { curl_easy_recv(handle, $0.baseAddress, $0.count, &received) }
            if code == CURLE_AGAIN {
                if ContinuousClock.now >= deadline {
                    if allowTimeout { return nil }
                    throw Failure(description: "timed out waiting for the server")
                }
                do {
                    try wait(events: Int16(POLLIN), until: deadline)
                } catch {
                    if allowTimeout { return nil }
                    throw error
                }
                continue
            }
            guard code == CURLE_OK else { throw Self.failure(code, buffer: errorBuffer) }
            guard received > 0 else { throw Failure(description: "the server closed the connection") }
            parser.feed(receiveBuffer[0..<received])
        }
    }

    private func wait(events: Int16, until deadline: ContinuousClock.Instant) throws(Failure) {
        let remaining = deadline - .now
        let milliseconds = max(0, Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready == 0 { throw Failure(description: "timed out waiting for the server") }
        if ready < 0, errno != EINTR { throw Failure(description: "poll failed: \(String(cString: strerror(errno)))") }
    }
}
