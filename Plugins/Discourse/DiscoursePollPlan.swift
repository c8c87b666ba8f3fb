import Foundation
import ListeningPostKit

/// One poll of `GET /posts.json`, as pure state: fed page after page (newest first), it
/// says which page to fetch next and which posts are new since the cursor. Committed
/// oldest first, in batches, each with the cursor it reaches — so a crash part-way loses
/// nothing and repeats nothing.
struct DiscoursePollPlan {
    /// The last post id committed; `nil` on the first poll.
    let cursor: Int?
    /// First poll only: import posts created at or after this; `nil` imports nothing older
    /// than now (the cursor starts at the newest post).
    let backfillSince: Date?
    private(set) var collected: [DiscoursePost] = []
    private(set) var newestSeen: Int?
    private var lastBefore: Int?

    init(cursor: Int?, backfillSince: Date?) {
        self.cursor = cursor
        self.backfillSince = backfillSince
    }

    /// A forum that does not honour `before=` (it would be paged forever).
    struct PagingError: Error, CustomStringConvertible {
        let description: String
    }

    /// Takes one page; returns the `before=` of the next page, or `nil` when done.
    mutating func add(page: [DiscoursePost]) throws -> Int? {
        guard let oldest = page.map(\.id).min(), let newest = page.map(\.id).max() else { return nil }
        if let lastBefore, oldest >= lastBefore {
            throw PagingError(description: "asked for posts before \(lastBefore) and got post \(oldest); the forum does not page by before=")
        }
        newestSeen = max(newestSeen ?? newest, newest)
        var reachedEnd = false
        for post in page.sorted(by: { $0.id > $1.id }) {
            if let cursor {
                if post.id <= cursor {
                    reachedEnd = true
                    break
                }
            } else {
                guard let backfillSince, let created = post.createdAt.flatMap(RFC3339.date(from:)), created >= backfillSince else {
                    reachedEnd = true
                    break
                }
            }
            collected.append(post)
        }
        if reachedEnd || oldest <= 1 { return nil }
        lastBefore = oldest
        return oldest
    }

    /// What to commit, oldest first: posts in batches with the cursor each reaches. When
    /// there is nothing new on a first poll, one empty batch sets the cursor to the newest
    /// post so the next poll starts there.
    func batches(size: Int) -> [(posts: [DiscoursePost], cursor: Int)] {
        let ordered = collected.sorted { $0.id < $1.id }
        if ordered.isEmpty {
            if cursor == nil, let newestSeen { return [([], newestSeen)] }
            return []
        }
        return stride(from: 0, to: ordered.count, by: size).map { start in
            let batch = Array(ordered[start..<min(start + size, ordered.count)])
            return (batch, batch.last!.id)
        }
    }

    /// The checkpoint text for a cursor.
    static func checkpoint(_ cursor: Int) -> String { #"{"lastPostId":\#(cursor)}"# }

    /// The cursor in a checkpoint; `nil` when there is none or it cannot be read.
    static func cursor(from checkpoint: String?) -> Int? {
        guard let checkpoint, case .object(let members)? = try? JSONValue.parse(Array(checkpoint.utf8)),
            case .number(let value)? = members["lastPostId"]
        else { return nil }
        return Int(value)
    }
}
