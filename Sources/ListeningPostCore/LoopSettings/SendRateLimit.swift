import Foundation

/// A channel's send rate: `1/s`, `30/m`, `500/h`.
public struct SendRateLimit: Sendable, Equatable {
    /// The time between two sends.
    public var interval: Duration

    /// Parses `N/s`, `N/m` or `N/h`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let count = Double(parts[0].trimmingCharacters(in: .whitespaces)), count > 0 else { return nil }
        let seconds: Double
        switch parts[1].trimmingCharacters(in: .whitespaces) {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        default: return nil
        }
        interval = .milliseconds(Int64((seconds / count * 1000).rounded()))
    }
}
