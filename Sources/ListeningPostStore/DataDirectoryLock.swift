import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a data directory, so two gateways never write one log: the second
/// fails at startup with a message naming the directory. The kernel drops the lock when
/// the process dies, including on `kill -9`. The file holds the holder's process id, which
/// is how `listening-post reload` finds the gateway to signal.
public final class DataDirectoryLock: Sendable {
    /// The lock file, open while the lock is held.
    private let descriptor: Mutex<Int32?>
    /// The directory it locks.
    public let directory: String

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("LOCK")
        let descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw EventLogError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw EventLogError(description: "\(directory) is in use by another listening-post process; give each gateway its own store.path")
        }
        self.descriptor = Mutex(descriptor)
        self.directory = directory
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// The process id of the gateway holding the directory's lock, or `nil` when none
    /// does (no lock file, or a lock nobody holds: that gateway has exited).
    public static func holder(directory: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent("LOCK")
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // If the lock can be taken, nobody holds it.
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Lets the directory go, so another process (or a reopened log) can take it; the
    /// lock is also released when this is freed or the process ends.
    public func release() {
        guard
            let descriptor = descriptor.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    deinit { release() }
}
