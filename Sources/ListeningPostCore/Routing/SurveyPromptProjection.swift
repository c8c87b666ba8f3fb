import ListeningPostKit
import ListeningPostStore

/// The survey prompts in force, as a projection of the `surveys` stream kept in the
/// router: rebuilt before any channel starts, so a reply right after a restart still finds
/// its prompt, and fed each commit, so a reply routed after a prompt committed can answer it.
public struct SurveyPromptProjection: Projection {
    let router: EventRouter

    /// Keeps `router`'s prompts.
    public init(router: EventRouter) {
        self.router = router
    }

    public var stream: String { SurveyPrompt.stream }

    public func committed(_ entries: [StreamEntry]) {
        for entry in entries where entry.stream == SurveyPrompt.stream {
            if let prompt = SurveyPrompt(event: entry.payload) { router.record(prompt) }
        }
    }

    public func rebuiltSummary(events: Int64) -> String { "survey prompts rebuilt from \(events) event(s)" }
}
