/// Typed facts a writer attaches to an event it appends, keyed by their type: the loop's
/// NPS answer and case signal ride here from ingest to the projections and the planner, so
/// the store carries them without knowing what they are and nobody parses the payload
/// again. Notes are never stored: an entry read back from the log has none.
///
/// ```swift
/// var notes = EventNotes()
/// notes[NPSAnswer.self] = answer
/// let answer = entry.notes?[NPSAnswer.self]
/// ```
public struct EventNotes: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]

    /// No notes.
    public init() {}

    /// The note of this type, `nil` when there is none; setting `nil` removes it.
    public subscript<Note: Sendable>(_ type: Note.Type) -> Note? {
        get { values[ObjectIdentifier(type)] as? Note }
        set { values[ObjectIdentifier(type)] = newValue }
    }

    /// Whether it holds no note.
    public var isEmpty: Bool { values.isEmpty }
}
