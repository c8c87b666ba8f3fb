import CStemmer
import Synchronization

/// One language's Snowball stemmer (libstemmer): "waiting", "waited" and "waits" all give
/// "wait". A libstemmer stemmer keeps its buffer between calls, so one is used by one
/// caller at a time, behind a lock; a stem takes well under a microsecond, so ingest does
/// not queue on it. The Snowball C library is used rather than a Swift port because no
/// well-kept Swift package carries the stemmers.
public final class Stemmer: Sendable {
    /// The libstemmer algorithm name (`english`, `german`, `french`, `spanish`, …).
    public let algorithm: String
    private let handle: Mutex<Handle>

    private struct Handle: @unchecked Sendable {
        // Owned by this stemmer, used only under its lock.
        let stemmer: OpaquePointer
    }

    /// The stemmer for an algorithm or ISO 639-1 code libstemmer knows; `nil` otherwise.
    public init?(_ name: String) {
        guard let stemmer = sb_stemmer_new(name, "UTF_8") else { return nil }
        algorithm = name
        handle = Mutex(Handle(stemmer: stemmer))
    }

    deinit {
        handle.withLock { sb_stemmer_delete($0.stemmer) }
    }

    /// The stem of a lowercased word.
    public func stem(_ word: String) -> String {
        let bytes = Array(word.utf8)
        return handle.withLock { handle in
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, let stemmed = sb_stemmer_stem(handle.stemmer, base, Int32(buffer.count)) else { return word }
                let length = Int(sb_stemmer_length(handle.stemmer))
                return String(decoding: UnsafeBufferPointer(start: stemmed, count: length), as: UTF8.self)
            }
        }
    }

    /// The algorithms this libstemmer has.
    public static var algorithms: [String] {
        var names: [String] = []
        guard var list = sb_stemmer_list() else { return [] }
        while let name = list.pointee {
            names.append(String(cString: name))
            list += 1
        }
        return names
    }
}
