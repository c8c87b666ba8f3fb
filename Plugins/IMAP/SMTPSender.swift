import CCurl
import Foundation
import ListeningPostKit

/// Sends mail over SMTP through libcurl: `smtp://` with STARTTLS required (unless the
/// channel is `insecure`), or `smtps://`; AUTH PLAIN/LOGIN with a password, or XOAUTH2 with
/// a bearer token. One connection per message, on a thread of its own (libcurl blocks).
///
/// What the server answered decides what happens next: an SMTP 5xx (a rejected recipient,
/// a refused message) is permanent; a 4xx, a refused connection, a timeout or a dropped
/// line is retryable.
struct SMTPSender: Sendable {
    struct Settings: Sendable {
        var url: String
        var username: String?
        var password: Secret?
        var bearerToken: Secret?
        var from: String
        var fromName: String?
        var requireTLS: Bool
        var caFile: String?
        var timeout: Duration
    }

    let settings: Settings

    func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let to = message.to.email else { throw SendFailure(.permanent, "no email address to send to") }
        let messageId = MailComposer.messageId(outboxId: message.id, from: settings.from)
        // Events keep message ids without their angle brackets, as the IMAP channel reads them.
        let bracketed = { (id: String) in id.hasPrefix("<") ? id : "<\(id)>" }
        let thread = message.inReplyTo
        let mail = MailComposer.compose(
            MailComposer.Mail(
                from: settings.from,
                fromName: settings.fromName,
                to: to,
                subject: MailComposer.replySubject(message.subject, thread: thread),
                text: message.text,
                messageId: messageId,
                inReplyTo: thread?.messageId.map(bracketed),
                references: ((thread?.references ?? []) + (thread?.messageId.map { [$0] } ?? [])).map(bracketed),
                date: Date()
            )
        )
        let settings = self.settings
        let result: Result<Void, SendFailure> = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.perform(settings, from: settings.from, to: to, mail: mail)) }.start()
        }
        switch result {
        case .success: return SendReceipt(providerId: messageId)
        case .failure(let failure): throw failure
        }
    }

    /// The bytes libcurl uploads, read by its callback.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// One SMTP transaction, blocking.
    static func perform(_ settings: Settings, from: String, to: String, mail: [UInt8]) -> Result<Void, SendFailure> {
        _ = globalInit
        guard let handle = curl_easy_init() else { return .failure(SendFailure(.retryable, "libcurl could not make a handle")) }
        defer { curl_easy_cleanup(handle) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var ok = true
        func set(_ option: CURLoption, _ value: Int) { ok = ok && lp_curl_setopt_long(handle, option, value) == CURLE_OK }
        func set(_ option: CURLoption, _ value: String) { ok = ok && lp_curl_setopt_string(handle, option, value) == CURLE_OK }
        set(CURLOPT_URL, settings.url)
        if let username = settings.username { set(CURLOPT_USERNAME, username) }
        if let password = settings.password { set(CURLOPT_PASSWORD, password.value) }
        if let token = settings.bearerToken {
            set(CURLOPT_XOAUTH2_BEARER, token.value)
            set(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2")
        }
        if settings.requireTLS { set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let caFile = settings.caFile { set(CURLOPT_CAINFO, caFile) }
        set(CURLOPT_MAIL_FROM, "<\(from)>")
        set(CURLOPT_UPLOAD, 1)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_TIMEOUT_MS, Int(settings.timeout.components.seconds * 1000))
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(settings.timeout, .seconds(30)).components.seconds * 1000))
        let recipients = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        ok = ok && lp_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients) == CURLE_OK
        let upload = Upload(mail)
        let context = Unmanaged.passRetained(upload)
        defer { context.release() }
        ok =
            ok
            && lp_curl_setopt_read(
                handle,
                { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
                    let length = min(size * count, upload.bytes.count - upload.offset)
                    upload.bytes.withUnsafeBufferPointer { source in
                        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: length)
                    }
                    upload.offset += length
                    return length
                },
                context.toOpaque()
            ) == CURLE_OK
        errorBuffer.withUnsafeMutableBufferPointer { _ = lp_curl_setopt_errorbuffer(handle, $0.baseAddress) }
        guard ok else { return .failure(SendFailure(.permanent, "libcurl refused an option (is libcurl built with SMTP and TLS?)")) }
        let code = curl_easy_perform(handle)
        var reply = 0
        _ = lp_curl_getinfo_response_code(handle, &reply)
        if code == CURLE_OK { return .success(()) }
        let detail = String(cString: errorBuffer)
        let text =
            "SMTP \(reply > 0 ? "\(reply) " : "")libcurl error \(code.rawValue) (\(String(cString: curl_easy_strerror(code))))\(detail.isEmpty ? "" : ": \(detail)")"
        // A refused login or TLS is the channel's config, not this message: retry (and dead-letter
        // when the retries run out) rather than drop it now.
        if code == CURLE_LOGIN_DENIED || code == CURLE_USE_SSL_FAILED { return .failure(SendFailure(.retryable, text)) }
        // The server's own verdict first: 5xx is final for this message, 4xx is "later".
        if (500..<600).contains(reply) { return .failure(SendFailure(.permanent, text)) }
        return .failure(SendFailure(.retryable, text))
    }
}
