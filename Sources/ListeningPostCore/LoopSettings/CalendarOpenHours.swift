import Foundation
import ListeningPostKit
import Synchronization

/// The config's calendars answering adapters' ``OpenHours`` questions. One per gateway,
/// updated at each reload: a channel whose own settings did not change keeps running, and
/// still sees the calendars as they are now.
public final class CalendarOpenHours: OpenHours {
    private let calendars: Mutex<[String: BusinessCalendar]>

    public init(_ calendars: [String: BusinessCalendar] = [:]) { self.calendars = Mutex(calendars) }

    public func update(_ calendars: [String: BusinessCalendar]) { self.calendars.withLock { $0 = calendars } }

    public func isOpen(calendar: String, at date: Date) -> Bool? { calendars.withLock { $0[calendar] }?.isOpen(at: date) }
}
