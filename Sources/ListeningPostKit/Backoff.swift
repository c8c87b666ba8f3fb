/// Capped exponential backoff with full jitter on the upper half, so many failing channels
/// do not retry in lockstep.
public struct Backoff: Sendable {
    /// First delay.
    public var initial: Duration
    /// Largest delay.
    public var maximum: Duration

    /// Creates a policy (1 s doubling to 60 s by default).
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the retry that follows `failures` earlier failures.
    public func delay(afterFailures failures: Int) -> Duration {
        let exponent = min(failures, 20)
        let base = min(maximum, initial * (1 << exponent))
        let milliseconds = Int64(base.components.seconds) * 1000 + base.components.attoseconds / 1_000_000_000_000_000
        let jittered = milliseconds / 2 + Int64.random(in: 0...max(0, milliseconds / 2))
        return .milliseconds(jittered)
    }
}
