import Foundation

/// The gateway's business calendars (`calendars:`, and `24x7`), as an adapter may ask them:
/// is the desk open now? The voice channel forwards calls to the desk only in open hours.
public protocol OpenHours: Sendable {
    /// Whether `calendar` is open at `date`; `nil` for a calendar the config does not have.
    func isOpen(calendar: String, at date: Date) -> Bool?
}

/// No calendars: every question is `nil` (contexts made without the gateway's config).
public struct NoOpenHours: OpenHours {
    /// No calendars.
    public init() {}
    /// Always `nil`: no calendar is known.
    public func isOpen(calendar: String, at date: Date) -> Bool? { nil }
}
