/// An incremental SSE parser (WHATWG HTML §9.2.6): feed bytes in any split, get events.
/// Lines end with CRLF, LF or CR; a leading BOM is dropped; comments and unknown fields
/// are ignored; the last event id persists across events.
public struct ServerSentEventParser: Sendable {
    /// A dispatched event.
    public struct Event: Sendable, Equatable {
        /// The `event:` type, `message` by default.
        public var type: String
        /// `data:` lines joined with LF.
        public var data: String
        /// The last event id at dispatch.
        public var lastEventId: String

        /// Creates an event.
        public init(type: String, data: String, lastEventId: String) {
            self.type = type
            self.data = data
            self.lastEventId = lastEventId
        }
    }

    private var line: [UInt8] = []
    private var sawCarriageReturn = false
    private var dataBuffer = ""
    private var hasData = false
    private var eventType = ""
    private var atStart = true
    /// The last event id seen (persists across events, as in the spec).
    public private(set) var lastEventId = ""
    /// The last `retry:` value, in milliseconds.
    public private(set) var retry: Int?

    /// Creates a parser.
    public init() {}

    /// Consumes bytes and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                sawCarriageReturn = true
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let field: String
        var value: String
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = colon + 1
            if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            value = String(decoding: line[valueStart...], as: UTF8.self)
        } else {
            field = String(decoding: line, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventType = value
        case "data":
            if hasData { dataBuffer += "\n" }
            dataBuffer += value
            hasData = true
        case "id": if !value.contains("\0") { lastEventId = value }
        case "retry": if !value.isEmpty, value.allSatisfy(\.isASCII), let milliseconds = Int(value) { retry = milliseconds }
        default: value = ""
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            dataBuffer = ""
            hasData = false
            eventType = ""
        }
        guard hasData else { return nil }
        return Event(type: eventType.isEmpty ? "message" : eventType, data: dataBuffer, lastEventId: lastEventId)
    }
}
