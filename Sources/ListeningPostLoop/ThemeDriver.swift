import ListeningPostKit

/// One theme's part in a group's NPS: who mentions it, how they score against those who do
/// not, and what it costs or earns in NPS points. Pure arithmetic on two cells.
///
/// The impact is the NPS minus the NPS it would be if those who mention the theme scored
/// like those who do not, that is the NPS of those who do not: −6 means the theme costs six
/// points. It is a difference of observed groups, not a cause: customers who mention
/// delivery may differ in other ways too.
public struct ThemeDriver: Sendable, Hashable {
    /// The theme's name.
    public var theme: String
    /// The answers that mention it.
    public var mentioning: NPSCell
    /// The answers that do not.
    public var others: NPSCell
    /// The NPS of every answer.
    public var overall: NPSCell

    /// The driver of a theme in a group of answers.
    public init(theme: String, all: NPSCell, mentioning: NPSCell) {
        self.theme = theme
        self.mentioning = mentioning
        self.overall = all
        self.others = NPSCell(
            promoters: all.promoters - mentioning.promoters,
            passives: all.passives - mentioning.passives,
            detractors: all.detractors - mentioning.detractors
        )
    }

    /// The share of all answers that mention it, 0…1.
    public var share: Double { overall.responses == 0 ? 0 : Double(mentioning.responses) / Double(overall.responses) }

    /// NPS points: overall NPS − the NPS of those who do not mention it; `nil` when every
    /// answer mentions it (there is nobody to score like).
    public var impact: Double? {
        guard let overallScore = overall.nps, let othersScore = others.nps else { return nil }
        return overallScore - othersScore
    }

    /// The themes of a group, the costliest first (most negative impact), then by name.
    public static func ranked(all: NPSCell, mentioning: [String: NPSCell]) -> [ThemeDriver] {
        mentioning.map { ThemeDriver(theme: $0.key, all: all, mentioning: $0.value) }.sorted {
            let left = $0.impact ?? 0
            let right = $1.impact ?? 0
            return left != right ? left < right : $0.theme < $1.theme
        }
    }
}
