/// Splits a plugin's stdout into lines without ever holding more than one line's worth of
/// bytes: a line longer than the limit is reported once, then skipped up to its newline,
/// so a plugin that floods one endless line cannot grow the gateway's memory.
struct ExecLineFramer {
    /// One piece of the stream.
    enum Piece: Equatable {
        /// A complete line, without its `\n` (or `\r\n`). Never empty.
        case line([UInt8])
        /// A line longer than the limit, skipped; `byteCount` is how much was seen.
        case oversized(byteCount: Int)
    }

    let maxLineSize: Int
    private var pending: [UInt8] = []
    /// Bytes skipped so far of a line that went over the limit, or nil.
    private var skipping: Int?

    init(maxLineSize: Int) {
        self.maxLineSize = maxLineSize
    }

    /// Adds bytes read from the pipe; returns the pieces they complete, in order.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Piece] {
        var pieces: [Piece] = []
        var start = 0
        while start < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                absorb(rest, into: &pieces)
                break
            }
            absorb(UnsafeRawBufferPointer(rebasing: rest[..<newline]), into: &pieces)
            if let skipped = skipping {
                pieces.append(.oversized(byteCount: skipped))
                skipping = nil
            } else {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                if !pending.isEmpty { pieces.append(.line(pending)) }
            }
            pending.removeAll(keepingCapacity: true)
            start += newline + 1
        }
        return pieces
    }

    /// At end of stream: the number of bytes of an unterminated last line, which is dropped
    /// (a plugin killed mid-write leaves half a line), or nil if the stream ended cleanly.
    mutating func finish() -> Int? {
        defer {
            pending.removeAll()
            skipping = nil
        }
        if let skipped = skipping { return skipped }
        return pending.isEmpty ? nil : pending.count
    }

    private mutating func absorb(_ bytes: UnsafeRawBufferPointer, into pieces: inout [Piece]) {
        if let skipped = skipping {
            skipping = skipped + bytes.count
        } else if pending.count + bytes.count > maxLineSize {
            skipping = pending.count + bytes.count
            pending.removeAll(keepingCapacity: true)
        } else {
            pending.append(contentsOf: bytes)
        }
    }
}
