/// What an applied config reload changed, by channel id.
public struct ReloadReport: Sendable, Equatable {
    /// The generation now in force.
    public var generation: Int
    /// Channels that started.
    public var added: [String]
    /// Channels that stopped.
    public var removed: [String]
    /// Channels whose settings changed: stopped, then started with the new ones.
    public var restarted: [String]
    /// Channels left running untouched.
    public var unchanged: [String]
    /// Top-level sections that changed but are read only at start (`server`, `store`,
    /// `logging`, `nps`): they take effect at the next restart.
    public var needsRestart: [String]

    /// One line for the log and the `reload` command.
    public var summary: String {
        func part(_ name: String, _ ids: [String]) -> String? { ids.isEmpty ? nil : "\(name) \(ids.joined(separator: ", "))" }
        let parts = [part("added", added), part("removed", removed), part("restarted", restarted)].compactMap { $0 }
        let changes = parts.isEmpty ? "no channel changed" : parts.joined(separator: "; ")
        return "generation \(generation): \(changes); \(unchanged.count) channel\(unchanged.count == 1 ? "" : "s") unchanged"
    }
}
