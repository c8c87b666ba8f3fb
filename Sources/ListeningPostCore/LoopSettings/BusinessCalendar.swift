import Foundation

/// When the people who work cases are at work: weekly opening hours in a time zone, minus
/// holidays; or `24x7`. A response target counts only open time, so "3 hours" given on a
/// Friday at 16:00 in a 09:00–17:00 office is due Monday at 11:00.
///
/// Pure: ``adding(_:to:)`` is a function of the calendar and the two arguments. Local
/// times are built in the calendar's time zone on each day, so a DST change moves the
/// opening instant with the clocks and a day of 09:00–17:00 stays eight real hours.
public struct BusinessCalendar: Sendable, Hashable {
    /// The name cases carry (`24x7` for the built-in one).
    public var name: String
    /// The zone the hours and holidays are in.
    public var timeZone: TimeZone
    /// Opening intervals per weekday (1 Sunday … 7 Saturday, as `Calendar` numbers them),
    /// as minutes from local midnight, sorted and not overlapping.
    public var hours: [Int: [Range<Int>]]
    /// Closed days, as local `yyyy-MM-dd`.
    public var holidays: Set<String>
    /// Whether every instant is open time (no hours, no holidays).
    public var isAlwaysOpen: Bool

    /// Every instant counts.
    public static let alwaysOpen = BusinessCalendar(
        name: "24x7",
        timeZone: TimeZone(identifier: "UTC")!,
        hours: [:],
        holidays: [],
        isAlwaysOpen: true
    )

    /// Creates a calendar with opening hours.
    public init(name: String, timeZone: TimeZone, hours: [Int: [Range<Int>]], holidays: Set<String>) {
        self.init(name: name, timeZone: timeZone, hours: hours, holidays: holidays, isAlwaysOpen: false)
    }

    private init(name: String, timeZone: TimeZone, hours: [Int: [Range<Int>]], holidays: Set<String>, isAlwaysOpen: Bool) {
        self.name = name
        self.timeZone = timeZone
        self.hours = hours.mapValues { $0.sorted { $0.lowerBound < $1.lowerBound } }
        self.holidays = holidays
        self.isAlwaysOpen = isAlwaysOpen
    }

    /// The instant at which `seconds` of open time have passed since `start`. Open time
    /// before `start` does not count; a target given out of hours starts at the next
    /// opening. `nil` only for a calendar that is never open (no hours at all).
    public func adding(_ seconds: TimeInterval, to start: Date) -> Date? {
        if isAlwaysOpen || seconds <= 0 { return start.addingTimeInterval(max(seconds, 0)) }
        guard hours.values.contains(where: { !$0.isEmpty }) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var remaining = seconds
        var day = calendar.startOfDay(for: start)
        // Bounded: ten years of days is far past any target; holidays cannot close every day
        // for that long in a config that passed `check`.
        for _ in 0..<3_660 {
            let date = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if !holidays.contains(Self.localDay(date)) {
                for interval in hours[date.weekday ?? 0] ?? [] {
                    guard let open = Self.instant(date, minutes: interval.lowerBound, calendar: calendar),
                        let close = Self.instant(date, minutes: interval.upperBound, calendar: calendar)
                    else { continue }
                    let from = max(open, start)
                    guard from < close else { continue }
                    let available = close.timeIntervalSince(from)
                    if remaining <= available { return from.addingTimeInterval(remaining) }
                    remaining -= available
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: next)
        }
        return nil
    }

    /// Whether `date` is open time: inside an opening interval of its local day, not a holiday.
    public func isOpen(at date: Date) -> Bool {
        if isAlwaysOpen { return true }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        guard !holidays.contains(Self.localDay(day)) else { return false }
        return (hours[day.weekday ?? 0] ?? []).contains { interval in
            guard let open = Self.instant(day, minutes: interval.lowerBound, calendar: calendar),
                let close = Self.instant(day, minutes: interval.upperBound, calendar: calendar)
            else { return false }
            return open <= date && date < close
        }
    }

    /// `yyyy-MM-dd` of a local date.
    static func localDay(_ date: DateComponents) -> String {
        String(format: "%04d-%02d-%02d", date.year ?? 0, date.month ?? 0, date.day ?? 0)
    }

    /// The instant of a local wall-clock time on a day (24:00 is the next midnight). A time
    /// that does not exist (inside a DST gap) is the first instant after the gap.
    static func instant(_ date: DateComponents, minutes: Int, calendar: Calendar) -> Date? {
        var components = DateComponents(year: date.year, month: date.month, day: date.day, hour: 0, minute: 0)
        guard let midnight = calendar.date(from: components) else { return nil }
        if minutes >= 24 * 60 { return calendar.date(byAdding: .day, value: 1, to: midnight).map { calendar.startOfDay(for: $0) } }
        components.hour = minutes / 60
        components.minute = minutes % 60
        return calendar.date(from: components)
    }
}
