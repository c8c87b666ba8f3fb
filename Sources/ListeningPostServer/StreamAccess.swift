import ListeningPostCore

/// Which streams exist and which tokens may read them: what a WebSocket upgrade checks,
/// replaced whole by a config reload.
struct StreamAccess: Sendable {
    let streamNames: Set<String>
    let authenticator: SubscriberAuthenticator
}
