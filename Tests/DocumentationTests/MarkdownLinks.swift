import Foundation

/// The links of one Markdown document, and the anchors its headings make, as GitHub renders them.
///
/// Code blocks and inline code are skipped: a link or a heading inside them is an example, not a link.
struct MarkdownLinks {
    /// A link's target as written, with the line it is on (1-based).
    struct Link: Equatable {
        var target: String
        var line: Int
    }

    private(set) var links: [Link] = []
    private(set) var anchors: Set<String> = []

    init(text: String) {
        var insideCodeBlock = false
        var anchorCounts: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                insideCodeBlock.toggle()
                continue
            }
            if insideCodeBlock { continue }
            if let heading = Self.headingText(line) {
                let slug = Self.slug(heading)
                let seen = anchorCounts[slug, default: 0]
                anchorCounts[slug] = seen + 1
                anchors.insert(seen == 0 ? slug : "\(slug)-\(seen)")
            }
            for target in Self.linkTargets(in: Self.removingInlineCode(line)) {
                links.append(Link(target: target, line: index + 1))
            }
        }
    }

    /// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces as hyphens.
    static func slug(_ heading: String) -> String {
        let kept = heading.lowercased().unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" || $0 == " "
        }
        return String(String.UnicodeScalarView(kept)).replacingOccurrences(of: " ", with: "-")
    }

    private static func headingText(_ line: Substring) -> String? {
        let hashes = line.prefix { $0 == "#" }
        guard (1...6).contains(hashes.count), line.dropFirst(hashes.count).first == " " else { return nil }
        return line.dropFirst(hashes.count + 1).trimmingCharacters(in: .whitespaces)
    }

    private static func removingInlineCode(_ line: Substring) -> String {
        line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 0 }.map(\.element).joined()
    }

    /// The targets of `[text](target)` on one line; images (`![alt](target)`) count too.
    private static func linkTargets(in line: String) -> [String] {
        var targets: [String] = []
        var rest = line[...]
        while let opening = rest.range(of: "](") {
            let afterOpening = rest[opening.upperBound...]
            guard let closing = afterOpening.firstIndex(of: ")") else { break }
            let target = afterOpening[..<closing]
            if !target.isEmpty, !target.contains(" ") { targets.append(String(target)) }
            rest = afterOpening[closing...]
        }
        return targets
    }
}
