import ArgumentParser
import AsyncHTTPClient
import Foundation
import ListeningPostKit
import NIOCore
import NIOHTTP1

/// What the read-only commands (`nps`, `themes`, `cases`) share: one authenticated GET to
/// the running gateway, its refusal printed as the API gave it, and tables in columns.
enum GatewayRequest {
    /// GETs `path` (with its query) and returns the body, or exits 1 with the status and
    /// the problem the gateway answered.
    static func get(_ path: String, base: String, token: String, command: String) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: base + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            FileHandle.standardError.write(Data("listening-post \(command): \(response.status.code): \(String(buffer: body))\n".utf8))
            throw ExitCode(1)
        }
        return body
    }

    /// `name=value` pairs joined for a URL, values percent-encoded, absent ones left out.
    static func query(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? $0)" }
        }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    /// Rows as left-aligned columns two spaces apart, trailing blanks trimmed.
    static func columns(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// A figure as a table shows it: whole numbers plain, others to one decimal, `-` if absent.
    static func figure(_ value: JSONValue?) -> String {
        guard case .number(let number)? = value else { return "-" }
        return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(format: "%.1f", number)
    }

    /// `[low, high]` as "low … high".
    static func interval(_ value: JSONValue?) -> String {
        guard case .array(let bounds)? = value, case .number(let low)? = bounds.first, case .number(let high)? = bounds.last else { return "-" }
        return String(format: "%.1f … %.1f", low, high)
    }
}

extension CharacterSet {
    /// What a query value may hold unescaped (`&`, `=`, `+` and `#` are escaped).
    static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))
}
