import ListeningPostKit

extension ConfigLoader {
    /// `benchmarks:`: unique valid names, each in exactly one form that yields a variance
    /// (counts; an NPS with `n`; an NPS with its `interval`). A bare NPS is refused: a
    /// comparison with it could say nothing about chance.
    static func benchmarks(_ top: ConfigValues, errors: inout [ConfigError]) -> [NPSBenchmark] {
        var benchmarks: [NPSBenchmark] = []
        var names: Set<String> = []
        for entry in top.objects("benchmarks") {
            guard let name = entry.string("name"), let source = entry.string("source"), let date = entry.string("date") else { continue }
            guard name != "previous" else {
                errors.append(
                    entry.invalid("name", "'previous' is reserved for the window before (against=previous); give the benchmark another name")
                )
                continue
            }
            guard isValidName(name) else {
                errors.append(entry.invalid("name", "'\(name)' is not a valid benchmark name: use lowercase letters, digits, '-' and '_'"))
                continue
            }
            guard names.insert(name).inserted else {
                errors.append(entry.invalid("name", "benchmark '\(name)' is already declared"))
                continue
            }
            if let figure = figure(of: entry, name: name, errors: &errors) {
                benchmarks.append(NPSBenchmark(name: name, source: source, date: date, figure: figure))
            }
        }
        return benchmarks
    }

    private static func figure(of entry: ConfigValues, name: String, errors: inout [ConfigError]) -> NPSBenchmark.Figure? {
        let countKeys = ["promoters", "passives", "detractors"]
        let givenCounts = countKeys.filter(entry.isGiven)
        let score = entry.node("nps")
        if !givenCounts.isEmpty {
            guard score == nil else {
                errors.append(entry.invalid("nps", "benchmark '\(name)': give the counts or an nps, not both"))
                return nil
            }
            guard givenCounts.count == 3 else {
                let missing = countKeys.filter { !givenCounts.contains($0) }.joined(separator: " and ")
                errors.append(entry.invalid(givenCounts[0], "benchmark '\(name)': counts need promoters, passives and detractors; add \(missing)"))
                return nil
            }
            let counts = countKeys.map { entry.integer($0) ?? 0 }
            if let negative = countKeys.indices.first(where: { counts[$0] < 0 }) {
                errors.append(entry.invalid(countKeys[negative], "must be 0 or more"))
                return nil
            }
            guard counts.reduce(0, +) > 0 else {
                errors.append(entry.invalid("promoters", "benchmark '\(name)': the counts add up to no answers"))
                return nil
            }
            return .counts(promoters: counts[0], passives: counts[1], detractors: counts[2])
        }
        guard let score else {
            errors.append(entry.invalid("nps", "benchmark '\(name)': give promoters, passives and detractors, or an nps with n or interval"))
            return nil
        }
        guard let nps = score.scalar.flatMap(Double.init), (-100...100).contains(nps) else {
            errors.append(
                entry.invalid("nps", "expected a number from -100 to 100, found \(score.scalar.map { "'\($0)'" } ?? score.kindDescription)")
            )
            return nil
        }
        let interval = entry.node("interval")
        switch (entry.integer("n"), interval) {
        case (nil, nil):
            errors.append(
                entry.invalid(
                    "nps",
                    "benchmark '\(name)': an NPS alone has no variance, so no comparison with it could tell a difference from chance; "
                        + "add n (the answers behind it) or interval [low, high], or give the counts"
                )
            )
            return nil
        case (.some, .some):
            errors.append(entry.invalid("interval", "benchmark '\(name)': give n or interval, not both"))
            return nil
        case (let responses?, nil):
            guard responses >= 1 else {
                errors.append(entry.invalid("n", "must be at least 1"))
                return nil
            }
            return .scoreWithResponses(nps: nps, responses: responses)
        case (nil, let interval?):
            guard case .sequence(let bounds) = interval.content, bounds.count == 2,
                let low = bounds[0].scalar.flatMap(Double.init), let high = bounds[1].scalar.flatMap(Double.init)
            else {
                errors.append(entry.invalid("interval", "expected [low, high] in NPS points, such as [26, 34]"))
                return nil
            }
            guard low < high, low <= nps, nps <= high, low >= -100, high <= 100 else {
                errors.append(
                    entry.invalid(
                        "interval",
                        "expected low < high within -100…100 with nps (\(written(nps))) between them, found [\(written(low)), \(written(high))]"
                    )
                )
                return nil
            }
            return .scoreWithInterval(nps: nps, low: low, high: high)
        }
    }

    /// A number as an operator wrote it: `10`, not `10.0`.
    private static func written(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
