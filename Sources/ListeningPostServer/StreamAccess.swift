import ListeningPostCore
import ListeningPostKit

/// Which streams exist and which tokens may read them, replaced whole by a config reload.
struct StreamAccess: Sendable {
    let streamNames: Set<String>
    let authenticator: SubscriberAuthenticator

    /// Whether a subscriber connected earlier may still read `stream`: its token is still
    /// configured and still grants the stream, and the stream still exists. A reload that
    /// revokes a token ends that token's open streams too.
    func stillGrants(_ subscriber: SubscriberDeclaration, stream: String) -> Bool {
        streamNames.contains(stream) && authenticator.subscriber(withToken: subscriber.token.value)?.grants(stream) == true
    }
}

extension LiveValue<StreamAccess> {
    /// Tells a long-lived stream whether to go on: checks the access only after a reload.
    struct Watch {
        let access: LiveValue<StreamAccess>
        let subscriber: SubscriberDeclaration
        let stream: String
        private var seen: Int

        init(_ access: LiveValue<StreamAccess>, subscriber: SubscriberDeclaration, stream: String) {
            self.access = access
            self.subscriber = subscriber
            self.stream = stream
            self.seen = access.version
        }

        mutating func stillGranted() -> Bool {
            let version = access.version
            guard version != seen else { return true }
            seen = version
            return access.current.stillGrants(subscriber, stream: stream)
        }
    }
}
