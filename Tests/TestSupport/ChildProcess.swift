import Foundation

/// Child processes without relying on Foundation noticing their exit. With many children
/// spawned at once from many threads, Foundation's SIGCHLD handling can miss one: the child
/// stays a zombie, `Process.isRunning` stays true and `waitUntilExit` never returns (seen
/// in CI: a whole test run hung on one gateway child). `waitid` with `WNOWAIT` asks the
/// kernel directly and leaves the child for Foundation to reap.
public enum ChildProcess {
    /// The exit status (or the signal that ended it) once `pid` has ended, else nil.
    public static func exitStatus(_ process: Process) -> Int32? {
        var info = siginfo_t()
        if waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
            return info._sifields._sigchld.si_pid == 0 ? nil : info._sifields._sigchld.si_status
        }
        // Already reaped (by Foundation): its record is final.
        return errno == ECHILD && !process.isRunning ? process.terminationStatus : nil
    }

    /// Whether `process` has ended.
    public static func hasExited(_ process: Process) -> Bool { exitStatus(process) != nil }

    /// Waits for `process` to end and returns its status, polling the kernel.
    public static func waitForExit(_ process: Process) async -> Int32 {
        while true {
            if let status = exitStatus(process) { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Blocking form, for a thread of its own.
    public static func waitForExitBlocking(_ process: Process) -> Int32 {
        while true {
            if let status = exitStatus(process) { return status }
            usleep(10_000)
        }
    }

    /// Processes whose command line contains `pattern`, read from /proc: no `pgrep`
    /// child to wait for. Zombies are not counted.
    public static func pids(matching pattern: String) -> [Int32] {
        let own = ProcessInfo.processInfo.processIdentifier
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != own,
                let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !cmdline.isEmpty,
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let state = stat.split(separator: ")").last?.split(separator: " ").first, state != "Z"
            else { return false }
            let text = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return text.contains(pattern)
        }
    }
}
