import Foundation

/// Something a case's clock will do by itself: warn before a target is due, record its
/// breach, or close a case whose confirmation question went unanswered. Its ``dedupKey``
/// names (case, what, target, cycle), so however often it is found due — after a restart,
/// on a second replica — the log stores its event once.
public struct CaseTimer: Sendable, Hashable, Comparable {
    /// What the timer does.
    public enum Action: Sendable, Hashable {
        case warn(target: String)
        case breach(target: String)
        case expireConfirmation
    }

    /// When it fires.
    public var at: Date
    /// The case.
    public var caseId: String
    /// The cycle it belongs to: a reopened case's old timers are void.
    public var cycle: Int
    /// What it does.
    public var action: Action
    /// The due time it is about (for a warning, the target's due time, not the warning's).
    public var due: Date

    /// The key its event is stored under, per (case, what, target, cycle).
    public var dedupKey: String {
        switch action {
        case .warn(let target): "case:\(caseId):warning:\(target):\(cycle)"
        case .breach(let target): "case:\(caseId):breach:\(target):\(cycle)"
        // The same key a confirmed close takes: a yes and the expiry cannot both close a cycle.
        case .expireConfirmation: "case:\(caseId):closed:\(cycle)"
        }
    }

    public static func < (lhs: CaseTimer, rhs: CaseTimer) -> Bool {
        (lhs.at, lhs.caseId, lhs.dedupKey) < (rhs.at, rhs.caseId, rhs.dedupKey)
    }
}

extension CaseRecord {
    /// The timers the case has pending now, given how long before a due time a warning comes.
    public func pendingTimers(warningLead: TimeInterval?) -> [CaseTimer] {
        var timers: [CaseTimer] = []
        let cycle = subject.cycle
        if state == .open {
            for target in targets.values.sorted(by: { $0.name < $1.name }) {
                if let lead = warningLead, lead > 0, !alerts.contains("warning:\(target.name):\(cycle)"),
                    !alerts.contains("breach:\(target.name):\(cycle)")
                {
                    let at = target.due.addingTimeInterval(-lead)
                    if at > openedAtOfCycle {
                        timers.append(CaseTimer(at: at, caseId: subject.id, cycle: cycle, action: .warn(target: target.name), due: target.due))
                    }
                }
                if !alerts.contains("breach:\(target.name):\(cycle)") {
                    timers.append(CaseTimer(at: target.due, caseId: subject.id, cycle: cycle, action: .breach(target: target.name), due: target.due))
                }
            }
        } else if state == .resolved, let expires = confirmationExpiresAt {
            timers.append(CaseTimer(at: expires, caseId: subject.id, cycle: cycle, action: .expireConfirmation, due: expires))
        }
        return timers
    }

    /// When the current cycle began: a warning due before it would be noise.
    var openedAtOfCycle: Date { cycleStartedAt ?? openedAt }
}
