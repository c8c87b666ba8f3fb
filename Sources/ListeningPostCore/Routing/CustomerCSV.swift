import ListeningPostKit
import SwiftCSV

/// Reads the customer directory's CSV file (RFC 4180: comma-separated, `"` quoting, a
/// header row) with SwiftCSV. No I/O: it is fed the file's text.
///
/// Columns, by header name:
/// - `id` (required);
/// - `email` / `emails` and `phone` / `phones`: several values separated by `;`;
/// - `preferred_channel`: a channel id;
/// - `handle:<forum channel>` and `channel_id:<channel>`: identities on one channel;
/// - anything else: an attribute (`tier`, `region`, `language`, …). Empty cells are absent.
public enum CustomerCSV {
    /// Parses the text. `file` names the origin in messages (`customers.csv record 12`).
    public static func parse(_ text: String, file: String) throws(DirectoryProblems) -> [Customer] {
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false)
        } catch {
            throw DirectoryProblems([DirectoryProblem(origin: file, message: "not valid CSV: \(error)")])
        }
        guard !csv.header.isEmpty else { return [] }
        let names = csv.header.map { $0.trimmingASCIIWhitespace().lowercased() }
        guard let idColumn = names.firstIndex(of: "id") else {
            throw DirectoryProblems([
                DirectoryProblem(origin: "\(file) header", message: "the header row needs an 'id' column (found: \(names.joined(separator: ", ")))")
            ])
        }
        var problems: [DirectoryProblem] = []
        var customers: [Customer] = []
        for (index, cells) in csv.rows.enumerated() {
            if cells.allSatisfy({ $0.trimmingASCIIWhitespace().isEmpty }) { continue }
            // Records, not lines: a quoted cell may span lines.
            let origin = "\(file) record \(index + 1)"
            guard cells.count == names.count else {
                problems.append(DirectoryProblem(origin: origin, message: "\(cells.count) cells where the header has \(names.count)"))
                continue
            }
            var customer = Customer(id: cells[idColumn].trimmingASCIIWhitespace(), origin: origin)
            for (column, name) in names.enumerated() where column != idColumn {
                let cell = cells[column].trimmingASCIIWhitespace()
                guard !cell.isEmpty else { continue }
                let values = cell.split(separator: ";").map { String($0.trimmingASCIIWhitespace()) }.filter { !$0.isEmpty }
                switch name {
                case "email", "emails": customer.emails += values
                case "phone", "phones": customer.phones += values
                case "preferred_channel": customer.preferredChannel = cell
                case _ where name.hasPrefix("handle:"): customer.handles[String(name.dropFirst("handle:".count))] = cell
                case _ where name.hasPrefix("channel_id:"): customer.channelIds[String(name.dropFirst("channel_id:".count))] = cell
                default: customer.attributes[name] = cell
                }
            }
            customers.append(customer)
        }
        guard problems.isEmpty else { throw DirectoryProblems(problems) }
        return customers
    }
}
