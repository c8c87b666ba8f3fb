/// The streams the gateway's own loop writes its events to. Their names are reserved (no
/// route may write there), and retention keeps them whole: the projections rebuilt from
/// them at start (open cases, queued messages, opt-outs, open prompts) must never lose a
/// record. Named here, below the loop, because config and retention need the names.
public enum LoopStreams {
    /// Survey prompts sent.
    public static let surveys = "surveys"
    /// Case events.
    public static let cases = "cases"
    /// Outbox events.
    public static let outbox = "outbox"
    /// Suppression changes.
    public static let suppressions = "suppressions"
    /// All four, in this order.
    public static let all = [surveys, cases, outbox, suppressions]
}
