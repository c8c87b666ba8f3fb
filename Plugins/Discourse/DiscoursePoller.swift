import Foundation
import HTTPTypes
import ListeningPostKit
import Logging

/// Polls `GET /posts.json` for forums that cannot send webhooks: pages back with `before=`
/// to the committed cursor, commits new posts oldest first with the cursor they reach,
/// honours `429 Retry-After`, and backs off (capped) on errors without moving the cursor.
struct DiscoursePoller: Sendable {
    let settings: DiscourseSettings.Poll
    let instance: String
    let context: AdapterContext

    struct RateLimited: Error {
        let retryAfter: Duration
    }

    struct PollError: Error, CustomStringConvertible {
        let description: String
    }

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            let pause: Duration
            do {
                let stored = try await pollOnce()
                if failures > 0 { context.logger.info("polling \(instance) works again") }
                failures = 0
                context.metrics.healthy(true)
                if stored > 0 { context.logger.debug("stored \(stored) new post(s)") }
                pause = settings.interval
            } catch let limited as RateLimited {
                context.logger.warning("\(instance) is rate limiting (429); waiting \(limited.retryAfter) as Retry-After asks")
                pause = limited.retryAfter
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                pause = Backoff(initial: settings.backoffBase, maximum: .seconds(300)).delay(afterFailures: failures - 1)
                context.metrics.healthy(false)
                context.logger.error(
                    "polling \(instance) failed (attempt \(failures)); the cursor did not move; retrying in \(pause)",
                    metadata: ["error": "\(error)"]
                )
            }
            do { try await context.clock.sleep(for: pause) } catch { return }
        }
    }

    /// One poll; returns how many posts were stored.
    func pollOnce() async throws -> Int {
        let cursor = DiscoursePollPlan.cursor(from: try await context.sink.lastCheckpoint())
        let backfillSince = settings.backfill.map { context.clock.now().addingTimeInterval(-Double($0.components.seconds)) }
        var plan = DiscoursePollPlan(cursor: cursor, backfillSince: backfillSince)
        var before: Int? = nil
        repeat {
            before = try plan.add(page: try await fetch(before: before))
        } while before != nil
        var stored = 0
        for batch in plan.batches(size: 100) {
            let messages = batch.posts.map { $0.message(instance: instance, edited: false) }
            let receipts = try await context.sink.submit(messages, checkpoint: DiscoursePollPlan.checkpoint(batch.cursor))
            stored += receipts.filter { !$0.duplicate }.count
        }
        return stored
    }

    func fetch(before: Int?) async throws -> [DiscoursePost] {
        var request = HTTPRequest(
            method: .get,
            scheme: settings.scheme,
            authority: settings.authority,
            path: settings.basePath + "/posts.json" + (before.map { "?before=\($0)" } ?? "")
        )
        request.headerFields[.accept] = "application/json"
        if let key = settings.apiKey {
            request.headerFields[HTTPField.Name("Api-Key")!] = key.value
            request.headerFields[HTTPField.Name("Api-Username")!] = settings.apiUsername
        }
        let response = try await context.http.send(request, timeout: settings.timeout)
        let where_ = "GET \(settings.baseURL)/posts.json\(before.map { "?before=\($0)" } ?? "")"
        if response.head.status.code == 429 {
            throw RateLimited(retryAfter: Self.retryAfter(response.head.headerFields[.retryAfter], now: context.clock.now()))
        }
        guard response.head.status.code == 200 else {
            throw PollError(
                description: "\(where_) answered \(response.head.status.code): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            )
        }
        do {
            return try JSONDecoder().decode(LatestPosts.self, from: Data(response.body)).latestPosts
        } catch {
            throw PollError(
                description:
                    "\(where_) did not return a posts list (\(DiscourseWebhookParser.describe(error))): \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            )
        }
    }

    private struct LatestPosts: Decodable {
        var latestPosts: [DiscoursePost]
        enum CodingKeys: String, CodingKey { case latestPosts = "latest_posts" }
    }

    /// `Retry-After` as seconds or an HTTP date; a minute when absent or unreadable.
    static func retryAfter(_ value: String?, now: Date) -> Duration {
        guard let value = value?.trimmingASCIIWhitespace(), !value.isEmpty else { return .seconds(60) }
        if let seconds = Int(value) { return .seconds(max(1, min(seconds, 3600))) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: value) { return .seconds(max(1, min(Int(date.timeIntervalSince(now).rounded(.up)), 3600))) }
        return .seconds(60)
    }
}
