import Foundation
import Synchronization

/// Makes event ids: UUIDv7 (RFC 9562), so ids sort by creation time as strings and stay
/// unique across restarts without coordination.
///
/// Within one millisecond the 12-bit `rand_a` field is a counter (RFC 9562 §6.2,
/// method 1), so ids from one generator are strictly increasing.
public final class EventIDGenerator: Sendable {
    private struct State {
        var lastMillisecond: UInt64 = 0
        var counter: UInt16 = 0
    }
    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    /// A generator reading the given clock (the system clock by default).
    public init(now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
    }

    /// The next id, lowercase with hyphens (`0193…-7…`).
    public func next() -> String {
        let millisecondsNow = UInt64(max(0, now().timeIntervalSince1970 * 1000))
        let (millisecond, counter) = state.withLock { state -> (UInt64, UInt16) in
            if millisecondsNow > state.lastMillisecond {
                state.lastMillisecond = millisecondsNow
                state.counter = UInt16.random(in: 0..<0x400)  // leave room to count up
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                // Counter exhausted within one millisecond: borrow the next millisecond.
                state.lastMillisecond += 1
                state.counter = 0
            }
            return (state.lastMillisecond, state.counter)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millisecond >> (40 - 8 * UInt64(index))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * UInt64(index - 8))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 9562 variant
        return Self.format(bytes)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func format(_ bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
