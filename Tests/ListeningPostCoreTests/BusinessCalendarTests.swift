import Foundation
import ListeningPostCore
import Testing

/// Due times in business hours, on fixed dates: weekends, holidays and both DST changes,
/// in two time zones. Every expectation is written as the wall-clock time an operator
/// would read off the office clock, then converted, so a mistake in either direction shows.
@Suite struct BusinessCalendarTests {
    static let london = try! BusinessCalendar.parse(
        name: "london",
        timeZone: "Europe/London",
        hours: ["mon-fri": "09:00-17:00"],
        holidays: ["2026-12-25", "2026-12-28"]
    )
    static let newYork = try! BusinessCalendar.parse(
        name: "new-york",
        timeZone: "America/New_York",
        hours: ["mon-fri": "08:00-12:00, 13:00-18:00", "sat": "10:00-14:00"],
        holidays: []
    )

    /// A local wall-clock time in a zone.
    static func local(_ text: String, _ zone: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    static func hours(_ count: Double) -> TimeInterval { count * 3600 }

    /// Open hours as a desk reads them: the opening minute is open, the closing minute is
    /// not, a lunch break and a holiday are closed, and `24x7` always open.
    @Test func isOpenFollowsTheHoursTheBreaksAndTheHolidays() {
        let london = Self.london
        #expect(london.isOpen(at: Self.local("2026-12-01 09:00", "Europe/London")))
        #expect(!london.isOpen(at: Self.local("2026-12-01 08:59", "Europe/London")))
        #expect(!london.isOpen(at: Self.local("2026-12-01 17:00", "Europe/London")))
        #expect(!london.isOpen(at: Self.local("2026-12-25 11:00", "Europe/London")), "a holiday")
        #expect(!london.isOpen(at: Self.local("2026-12-05 11:00", "Europe/London")), "a Saturday")
        #expect(!Self.newYork.isOpen(at: Self.local("2026-12-01 12:30", "America/New_York")), "lunch")
        #expect(Self.newYork.isOpen(at: Self.local("2026-12-05 10:30", "America/New_York")), "Saturday morning")
        #expect(Self.newYork.isOpen(at: Self.local("2026-12-01 14:00", "Europe/London")), "14:00 in London is 09:00 in New York")
        #expect(BusinessCalendar.alwaysOpen.isOpen(at: Self.local("2026-12-25 03:00", "UTC")))
    }

    @Test func withinOneDayItIsPlainAddition() {
        let due = Self.london.adding(Self.hours(3), to: Self.local("2026-12-01 10:00", "Europe/London"))
        #expect(due == Self.local("2026-12-01 13:00", "Europe/London"))
    }

    @Test func friday16PlusThreeHoursIsMonday11() {
        let due = Self.london.adding(Self.hours(3), to: Self.local("2026-11-27 16:00", "Europe/London"))
        #expect(due == Self.local("2026-11-30 11:00", "Europe/London"))
    }

    @Test func aMessageOutOfHoursStartsTheClockAtTheNextOpening() {
        // Saturday night: nothing counts until Monday 09:00.
        let due = Self.london.adding(Self.hours(1), to: Self.local("2026-11-28 23:30", "Europe/London"))
        #expect(due == Self.local("2026-11-30 10:00", "Europe/London"))
        // Before opening on a weekday.
        #expect(
            Self.london.adding(Self.hours(2), to: Self.local("2026-12-01 06:00", "Europe/London")) == Self.local("2026-12-01 11:00", "Europe/London")
        )
    }

    @Test func holidaysAreSkipped() {
        // Thursday 24 Dec 16:00 + 2h: one hour that day, Fri 25 and Mon 28 are holidays, so Tue 29 at 10:00.
        let due = Self.london.adding(Self.hours(2), to: Self.local("2026-12-24 16:00", "Europe/London"))
        #expect(due == Self.local("2026-12-29 10:00", "Europe/London"))
    }

    @Test func springForwardKeepsOpeningAtNineLocal() {
        // London's clocks go forward on Sunday 29 March 2026. Friday 16:00 GMT + 2h is
        // Monday 10:00 BST, which is 09:00 UTC (not 10:00 UTC).
        let due = Self.london.adding(Self.hours(2), to: Self.local("2026-03-27 16:00", "Europe/London"))
        #expect(due == Self.local("2026-03-30 10:00", "Europe/London"))
        #expect(due == ISO8601DateFormatter().date(from: "2026-03-30T09:00:00Z"))
    }

    @Test func fallBackKeepsOpeningAtNineLocal() {
        // Clocks go back on Sunday 25 October 2026: Monday 09:00 is GMT again.
        let due = Self.london.adding(Self.hours(8), to: Self.local("2026-10-23 09:00", "Europe/London"))
        #expect(due == Self.local("2026-10-23 17:00", "Europe/London"))
        let next = Self.london.adding(Self.hours(9), to: Self.local("2026-10-23 09:00", "Europe/London"))
        #expect(next == ISO8601DateFormatter().date(from: "2026-10-26T10:00:00Z"))
    }

    @Test func aDayWithTheClocksChangedIsStillItsOpeningHoursLong() {
        // 24x7 across New York's spring-forward night (8 March 2026): 24 h is 24 real hours,
        // so the wall clock reads an hour later.
        let start = Self.local("2026-03-07 12:00", "America/New_York")
        #expect(BusinessCalendar.alwaysOpen.adding(Self.hours(24), to: start) == start.addingTimeInterval(86_400))
        #expect(BusinessCalendar.alwaysOpen.adding(Self.hours(24), to: start) == Self.local("2026-03-08 13:00", "America/New_York"))
    }

    @Test func splitDaysAndSaturdaysCountOnlyOpenTime() {
        // Friday 11:00 + 4h: 1h to noon, lunch closed, 3h from 13:00 → 16:00.
        #expect(
            Self.newYork.adding(Self.hours(4), to: Self.local("2026-12-04 11:00", "America/New_York"))
                == Self.local("2026-12-04 16:00", "America/New_York")
        )
        // Friday 17:00 + 3h: 1h Friday, 2h Saturday from 10:00 → Saturday 12:00.
        #expect(
            Self.newYork.adding(Self.hours(3), to: Self.local("2026-12-04 17:00", "America/New_York"))
                == Self.local("2026-12-05 12:00", "America/New_York")
        )
        // Saturday 13:00 + 2h: 1h Saturday, Sunday closed, 1h Monday from 08:00 → 09:00.
        #expect(
            Self.newYork.adding(Self.hours(2), to: Self.local("2026-12-05 13:00", "America/New_York"))
                == Self.local("2026-12-07 09:00", "America/New_York")
        )
    }

    @Test func aTargetEndingExactlyAtClosingIsDueAtClosing() {
        #expect(
            Self.london.adding(Self.hours(8), to: Self.local("2026-12-01 09:00", "Europe/London")) == Self.local("2026-12-01 17:00", "Europe/London")
        )
    }

    @Test func badCalendarsAreRefusedWithTheirReason() {
        func refusal(_ zone: String, _ hours: [String: String], _ holidays: [String] = []) -> String? {
            do {
                _ = try BusinessCalendar.parse(name: "x", timeZone: zone, hours: hours, holidays: holidays)
                return nil
            } catch {
                return "\(error.key): \(error.description)"
            }
        }
        #expect(refusal("Mars/Olympus", ["mon": "09:00-17:00"])?.hasPrefix("time_zone:") == true)
        #expect(refusal("UTC", ["funday": "09:00-17:00"]) == "hours: 'funday' is not a day (mon … sun) or a run of days such as mon-fri")
        #expect(refusal("UTC", ["fri-mon": "09:00-17:00"])?.contains("runs backwards") == true)
        #expect(refusal("UTC", ["mon": "17:00-09:00"]) == "hours: mon: 17:00-09:00 ends before it starts")
        #expect(refusal("UTC", ["mon": "9-5"])?.contains("is not an interval") == true)
        #expect(refusal("UTC", ["mon-fri": "09:00-17:00", "fri": "10:00-12:00"])?.contains("already gives hours") == true)
        #expect(refusal("UTC", ["mon": "closed"]) == "hours: gives no opening hours; a calendar open every hour is `24x7`")
        #expect(refusal("UTC", ["mon": "09:00-17:00"], ["2026-02-30"]) == "holidays: '2026-02-30' is not a date written yyyy-MM-dd")
        #expect(refusal("UTC", ["mon-sun": "00:00-24:00"]) == nil)
    }
}
