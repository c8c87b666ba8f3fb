/// HTML reduced to readable plain text: what an event's `text` holds when a source only
/// has HTML (a forum's cooked post, an HTML-only email). Pure; not a validating parser —
/// it reads tags and entities leniently, because real-world HTML is rarely valid.
///
/// - Block elements (`p`, `div`, headings, `li`, `tr`, `blockquote`, …) end lines; `br`
///   breaks a line; list items start with `- `.
/// - Runs of whitespace collapse to one space, except inside `pre`.
/// - `script`, `style`, `head` and `template` contents are dropped; so are comments.
/// - Character references (`&amp;`, `&#233;`, `&#xE9;` and common named ones) are decoded.
///
/// ```swift
/// HTMLText.plainText(from: "<p>Hello <b>there</b></p><ul><li>one</li></ul>")  // "Hello there\n- one"
/// ```
public enum HTMLText {
    /// The text of an HTML document or fragment.
    public static func plainText(from html: String) -> String {
        var converter = Converter()
        converter.run(Array(html.unicodeScalars))
        return converter.finish()
    }

    private static let blockElements: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "aside", "nav", "main", "blockquote", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "dl", "dt", "dd", "hr",
        "figure", "figcaption", "details", "summary", "address", "form", "fieldset",
    ]
    private static let droppedElements: Set<String> = ["script", "style", "head", "template", "noscript"]

    private struct Converter {
        var lines: [String] = []
        var line = ""
        var pendingSpace = false
        var preDepth = 0
        var skipUntil: String?

        mutating func run(_ scalars: [Unicode.Scalar]) {
            var index = 0
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "<" {
                    index = tag(scalars, from: index)
                } else if skipUntil != nil {
                    index += 1
                } else if scalar == "&" {
                    let (decoded, next) = HTMLText.characterReference(scalars, from: index)
                    text(decoded)
                    index = next
                } else {
                    text(String(scalar))
                    index += 1
                }
            }
        }

        /// Reads a tag, comment or declaration starting at `<`; returns the index after it.
        mutating func tag(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
            // Comments: <!-- … -->
            if match(scalars, start, "<!--") {
                var index = start + 4
                while index < scalars.count, !match(scalars, index, "-->") { index += 1 }
                return min(index + 3, scalars.count)
            }
            var index = start + 1
            var closing = false
            if index < scalars.count, scalars[index] == "/" {
                closing = true
                index += 1
            }
            var name = ""
            while index < scalars.count, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index]) {
                name.unicodeScalars.append(scalars[index])
                index += 1
            }
            // A "<" not followed by a tag name is text (as in "a < b").
            if name.isEmpty, !(index < scalars.count && (scalars[index] == "!" || scalars[index] == "?")) {
                if skipUntil == nil { text("<") }
                return start + 1
            }
            // Skip attributes, honouring quotes so a ">" inside a value does not end the tag.
            var quote: Unicode.Scalar?
            while index < scalars.count {
                let scalar = scalars[index]
                if let open = quote {
                    if scalar == open { quote = nil }
                } else if scalar == "\"" || scalar == "'" {
                    quote = scalar
                } else if scalar == ">" {
                    break
                }
                index += 1
            }
            let end = min(index + 1, scalars.count)
            let lowered = name.lowercased()
            if let skipping = skipUntil {
                if closing, lowered == skipping { skipUntil = nil }
                return end
            }
            if !closing, HTMLText.droppedElements.contains(lowered) {
                skipUntil = lowered
                return end
            }
            switch lowered {
            case "br":
                breakLine(force: true)
            case "pre":
                breakLine()
                preDepth += closing ? (preDepth > 0 ? -1 : 0) : 1
            case "li" where !closing:
                breakLine()
                line = "- "
                pendingSpace = false
            case "td", "th":
                if !closing, !line.isEmpty { pendingSpace = true }
            case "img" where !closing:
                break
            default:
                if HTMLText.blockElements.contains(lowered) { breakLine() }
            }
            return end
        }

        mutating func text(_ text: String) {
            for scalar in text.unicodeScalars {
                if preDepth > 0 {
                    if scalar == "\n" {
                        breakLine(force: true)
                    } else {
                        line.unicodeScalars.append(scalar)
                    }
                    continue
                }
                if scalar.properties.isWhitespace && scalar != "\u{A0}" {
                    pendingSpace = true
                } else {
                    if pendingSpace, !line.isEmpty, line != "- " { line.append(" ") }
                    pendingSpace = false
                    line.unicodeScalars.append(scalar == "\u{A0}" ? " " : scalar)
                }
            }
        }

        /// Ends the current line; `force` keeps empty lines (for `br`).
        mutating func breakLine(force: Bool = false) {
            let trimmed = line.trimmingASCIIWhitespace()
            if !trimmed.isEmpty || force { lines.append(trimmed) }
            line = ""
            pendingSpace = false
        }

        mutating func finish() -> String {
            breakLine()
            // Collapse runs of blank lines to one and drop them at either end.
            var result: [String] = []
            for current in lines {
                if current.isEmpty, result.last?.isEmpty ?? true { continue }
                result.append(current)
            }
            while result.last?.isEmpty == true { result.removeLast() }
            return result.joined(separator: "\n")
        }

        func match(_ scalars: [Unicode.Scalar], _ index: Int, _ literal: String) -> Bool {
            var position = index
            for expected in literal.unicodeScalars {
                guard position < scalars.count, scalars[position] == expected else { return false }
                position += 1
            }
            return true
        }
    }

    /// Decodes `&…;` at `start`; an unknown or malformed reference is kept as written.
    static func characterReference(_ scalars: [Unicode.Scalar], from start: Int) -> (String, Int) {
        var index = start + 1
        var body = ""
        while index < scalars.count, index - start <= 32, scalars[index] != ";" {
            let scalar = scalars[index]
            guard scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "#" else { break }
            body.unicodeScalars.append(scalar)
            index += 1
        }
        guard index < scalars.count, scalars[index] == ";", !body.isEmpty else { return ("&", start + 1) }
        let next = index + 1
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            if let value, value != 0, let scalar = Unicode.Scalar(value) { return (String(scalar), next) }
            return ("\u{FFFD}", next)
        }
        if let named = namedReferences[body] { return (named, next) }
        return ("&", start + 1)
    }

    private static let namedReferences: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”",
        "laquo": "«", "raquo": "»", "bull": "•", "middot": "·", "copy": "©", "reg": "®", "trade": "™",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "deg": "°", "times": "×", "divide": "÷",
        "eacute": "é", "egrave": "è", "ecirc": "ê", "aacute": "á", "agrave": "à", "acirc": "â",
        "iacute": "í", "oacute": "ó", "uacute": "ú", "ntilde": "ñ", "ccedil": "ç", "uuml": "ü",
        "ouml": "ö", "auml": "ä", "szlig": "ß", "Eacute": "É", "Uuml": "Ü", "Ouml": "Ö", "Auml": "Ä",
    ]
}
