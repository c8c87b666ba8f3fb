import DiscourseAdapter
import ExecAdapter
import IMAPAdapter
import ListeningPostCore
import NPSLinkAdapter
import SMSAdapter
import SurveyAdapter
import VoiceAdapter
import WebhookAdapter

extension AdapterRegistry {
    /// Every adapter this build of listening-post ships. A new adapter is a line in
    /// `builtinAdapters` in Package.swift (which makes its target and test target from
    /// its folder under `Plugins/`) and a line here; docs/writing-an-adapter.md says the same.
    static let builtin = AdapterRegistry([
        WebhookAdapter.self,
        SMSAdapter.self,
        DiscourseAdapter.self,
        IMAPAdapter.self,
        ExecAdapter.self,
        NPSLinkAdapter.self,
        SurveyAdapter.self,
        VoiceAdapter.self,
    ])
}
