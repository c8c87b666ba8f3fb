import Foundation
import Testing

/// ListeningPostKit is the API adapter authors build against: every public declaration
/// carries a `///` comment, and adapters reach the gateway only through it.
struct PublicAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Conformance witnesses are documented by their protocol.
    static let witnesses: Set<String> = ["description", "debugDescription", "hash", "encode", "rawValue", "makeIterator", "next", "=="]
    static let literalInits = [
        "init(from", "init(stringLiteral", "init(integerLiteral", "init(arrayLiteral", "init(dictionaryLiteral", "init(booleanLiteral",
        "init(rawValue",
    ]

    @Test func everyPublicKitDeclarationIsDocumented() throws {
        let declaration = try Regex(
            #"^\s*(?:@\w+(?:\([^)]*\))?\s+)*public\s+(?:(?:static|final|mutating|nonisolated|indirect)\s+)*(struct|enum|protocol|func|var|let|init|typealias|class|subscript|case)\b\s*([^\s(:<{=]*)"#
        )
        var undocumented: [String] = []
        for file in try Self.swiftFiles(in: "Sources/ListeningPostKit") {
            let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                guard let match = try declaration.firstMatch(in: line) else { continue }
                let name = match.output[2].substring.map(String.init) ?? ""
                if Self.witnesses.contains(name) || Self.literalInits.contains(where: line.contains) { continue }
                var previous = index - 1
                while previous >= 0, lines[previous].trimmingCharacters(in: .whitespaces).hasPrefix("@") { previous -= 1 }
                if previous < 0 || !lines[previous].trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                    undocumented.append("\(file.lastPathComponent):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(undocumented.isEmpty, "public Kit declarations without ///:\n\(undocumented.joined(separator: "\n"))")
    }

    /// Built-in adapters import the Kit, never the gateway's store, core, loop or server;
    /// those import no adapter.
    @Test func adaptersAndGatewayMeetOnlyThroughTheKit() throws {
        let adapterModules = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Plugins").path)
            .filter { $0 != "examples" && !$0.hasPrefix(".") }.map { "\($0)Adapter" }
        let gatewayModules = ["ListeningPostStore", "ListeningPostPostgres", "ListeningPostCore", "ListeningPostLoop", "ListeningPostServer"]
        var violations: [String] = []
        for file in try Self.swiftFiles(in: "Plugins") {
            for line in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            where gatewayModules.contains(where: { line.hasPrefix("import \($0)") }) {
                violations.append("\(file.path): \(line)")
            }
        }
        for directory in ["Sources/ListeningPostKit"] + gatewayModules.map({ "Sources/\($0)" }) {
            for file in try Self.swiftFiles(in: directory) {
                for line in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
                where adapterModules.contains(where: { line == "import \($0)" }) {
                    violations.append("\(file.path): \(line)")
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    /// Every folder of Plugins/ (but `examples`) is declared in Package.swift's literal
    /// `builtinAdapters` list and registered in BuiltinAdapters.swift, and nothing is
    /// declared that has no folder: a folder left out would silently build no adapter.
    @Test func everyPluginFolderIsDeclaredAndRegistered() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Plugins").path)
            .filter { $0 != "examples" && !$0.hasPrefix(".") }.sorted()
        #expect(!folders.isEmpty, "Plugins/ holds no adapter")
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let declared = manifest.matches(of: /BuiltinAdapter\(\s*folder: "([^"]+)"/).map { String($0.1) }.sorted()
        #expect(declared == folders, "Package.swift's builtinAdapters and the folders of Plugins/ differ")
        let registry = try String(contentsOf: Self.root.appendingPathComponent("Sources/listening-post/BuiltinAdapters.swift"), encoding: .utf8)
        for folder in folders {
            #expect(registry.contains("\(folder)Adapter.self"), "\(folder)Adapter is not in AdapterRegistry.builtin")
        }
    }

    static func swiftFiles(in directory: String) throws -> [URL] {
        let base = root.appendingPathComponent(directory)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.sorted { $0.path < $1.path }
    }
}
