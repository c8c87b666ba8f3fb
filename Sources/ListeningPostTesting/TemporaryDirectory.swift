import Foundation
import Synchronization

/// Scratch directories for tests, removed when the test process exits, after passing and
/// failing tests alike, so a test run leaves nothing behind in the temporary directory.
/// (A directory a test removes itself is fine too.)
public enum TemporaryDirectory {
    private static let created = Mutex<[String]>([])
    private static let removalRegistered = Atomic(false)

    /// Creates `<temporary directory>/<prefix>-<random>` and returns its path.
    public static func make(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        created.withLock { $0.append(path) }
        if removalRegistered.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            atexit { TemporaryDirectory.removeAll() }
        }
        return path
    }

    private static func removeAll() {
        for path in created.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}
