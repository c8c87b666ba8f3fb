import DiscourseAdapter
import ExecAdapter
import IMAPAdapter
import ListeningPostCore
import NPSLinkAdapter
import SMSAdapter
import WebhookAdapter

extension AdapterRegistry {
    /// Every adapter this build of listening-post ships. To add one: a folder under
    /// `Plugins/`, a target in Package.swift, and a line here.
    static let builtin = AdapterRegistry([
        WebhookAdapter.self,
        SMSAdapter.self,
        DiscourseAdapter.self,
        IMAPAdapter.self,
        ExecAdapter.self,
        NPSLinkAdapter.self,
    ])
}
