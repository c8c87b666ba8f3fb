import Foundation

extension BusinessCalendar {
    /// Why a `calendars:` entry is refused, worded for the operator.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        /// The key the problem is under (`time_zone`, `hours`, `holidays`).
        public var key: String
        public var description: String
    }

    /// Weekday names as written in `hours:` keys, to `Calendar` numbers.
    static let weekdays: [(name: String, number: Int)] = [("mon", 2), ("tue", 3), ("wed", 4), ("thu", 5), ("fri", 6), ("sat", 7), ("sun", 1)]

    /// Reads a calendar from config values: `hours` maps a day (`mon`) or a run of days
    /// (`mon-fri`) to one or more `HH:MM-HH:MM` intervals separated by commas; `holidays`
    /// lists local dates `yyyy-MM-dd`.
    public static func parse(
        name: String,
        timeZone identifier: String,
        hours: [String: String],
        holidays: [String]
    ) throws(ParseError) -> BusinessCalendar {
        guard let zone = TimeZone(identifier: identifier) else {
            throw ParseError(key: "time_zone", description: "'\(identifier)' is not an IANA time zone (such as Europe/London or America/New_York)")
        }
        var week: [Int: [Range<Int>]] = [:]
        for (days, text) in hours.sorted(by: { $0.key < $1.key }) {
            let numbers = try weekdayNumbers(days)
            let intervals = try intervals(text, days: days)
            for number in numbers {
                if week[number] != nil {
                    throw ParseError(key: "hours", description: "'\(days)' names a day another key already gives hours for")
                }
                week[number] = intervals
            }
        }
        if week.values.allSatisfy(\.isEmpty) {
            throw ParseError(key: "hours", description: "gives no opening hours; a calendar open every hour is `24x7`")
        }
        for day in holidays {
            guard day.count == 10, RFC3339Day.isValid(day) else {
                throw ParseError(key: "holidays", description: "'\(day)' is not a date written yyyy-MM-dd")
            }
        }
        return BusinessCalendar(name: name, timeZone: zone, hours: week, holidays: Set(holidays))
    }

    private static func weekdayNumbers(_ key: String) throws(ParseError) -> [Int] {
        let names = weekdays.map(\.name)
        let parts = key.lowercased().split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), let first = names.firstIndex(of: parts[0]), let last = names.firstIndex(of: parts[parts.count - 1])
        else {
            throw ParseError(key: "hours", description: "'\(key)' is not a day (mon … sun) or a run of days such as mon-fri")
        }
        guard first <= last else {
            throw ParseError(key: "hours", description: "'\(key)' runs backwards; write the days from Monday on, such as sat-sun")
        }
        return (first...last).map { weekdays[$0].number }
    }

    private static func intervals(_ text: String, days: String) throws(ParseError) -> [Range<Int>] {
        if text.trimmingCharacters(in: .whitespaces).lowercased() == "closed" { return [] }
        var result: [Range<Int>] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard bounds.count == 2, let open = minutes(bounds[0]), let close = minutes(bounds[1]) else {
                throw ParseError(
                    key: "hours",
                    description: "\(days): '\(part.trimmingCharacters(in: .whitespaces))' is not an interval such as 09:00-17:30"
                )
            }
            guard open < close else { throw ParseError(key: "hours", description: "\(days): \(bounds[0])-\(bounds[1]) ends before it starts") }
            if let previous = result.last, previous.upperBound > open {
                throw ParseError(key: "hours", description: "\(days): the intervals overlap or are out of order")
            }
            result.append(open..<close)
        }
        return result
    }

    /// `HH:MM`, 00:00 … 24:00, as minutes.
    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...24).contains(hour),
            (0..<60).contains(minute)
        else { return nil }
        let total = hour * 60 + minute
        return total <= 24 * 60 ? total : nil
    }
}

/// Checks `yyyy-MM-dd` dates.
enum RFC3339Day {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month), day >= 1
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let range = calendar.range(of: .day, in: .month, for: date)
        else { return false }
        return range.contains(day)
    }
}
