import ListeningPostKit
import Logging
import ServiceLifecycle
import Synchronization

/// A mailbox over IMAP: libcurl connects, upgrades to TLS and logs in; bulk
/// `UID FETCH … BODY.PEEK[]` reads new mail without touching it; IDLE hears new mail at
/// once. The `(UIDVALIDITY, last UID)` checkpoint commits with the events, so a restart
/// after any outage imports everything since, and nothing twice.
public struct IMAPAdapter: ChannelAdapter {
    public static let kind = "imap"
    public static let summary =
        "A mailbox over IMAP (libcurl): bulk BODY.PEEK fetches, IDLE or polling, a (UIDVALIDITY, UID) checkpoint committed "
        + "with the events, MIME to text."
    public static let configSpec = IMAPSettings.spec

    private let settings: IMAPSettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        settings = try IMAPSettings(config)
        self.context = context
    }

    public func run() async throws {
        if !settings.requireTLS && settings.serverURL.hasPrefix("imap://") {
            context.logger.warning(
                "reading \(settings.mailbox) WITHOUT TLS because tls: none and insecure: true; the password crosses the network in clear text"
            )
        }
        let stopping = StopFlag()
        let worker = IMAPWorker(label: context.channel.id)
        defer { worker.finish() }
        let sync = IMAPSync(settings: settings, context: context, worker: worker, stopping: stopping)
        do {
            // Graceful shutdown and cancellation both end the session at its next step
            // (within a second while idling).
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await sync.run()
                } onGracefulShutdown: {
                    stopping.set()
                }
            } onCancel: {
                stopping.set()
            }
        } catch {
            if stopping.isSet { return }
            context.metrics.healthy(false)
            throw IMAPChannelError(description: "\(settings.mailbox) on \(settings.serverURL) as \(settings.username): \(error)")
        }
    }
}

/// Why a mailbox session ended, naming the mailbox, the server and libcurl's error.
struct IMAPChannelError: Error, CustomStringConvertible {
    let description: String
}

extension IMAPAdapter: ChannelSender {
    /// A mailbox with `smtp:` sends replies.
    public var canSend: Bool { settings.smtp != nil }

    public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let smtp = settings.smtp else { throw SendFailure(.permanent, "this mailbox has no smtp: settings") }
        return try await SMTPSender(settings: smtp).send(message)
    }
}
