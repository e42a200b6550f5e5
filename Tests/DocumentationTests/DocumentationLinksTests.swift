import Foundation
import Testing

/// The README and every page of `docs/` link only to files that exist and to headings those files have.
@Suite("Documentation links")
struct DocumentationLinksTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func documents() throws -> [URL] {
        let docs = repository.appendingPathComponent("docs")
        let pages = try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }
        return [repository.appendingPathComponent("README.md")] + pages.sorted { $0.path < $1.path }
    }

    /// The links of `document` that lead nowhere, as `file:line: target`.
    static func brokenLinks(in document: URL) throws -> [String] {
        let links = MarkdownLinks(text: try String(contentsOf: document, encoding: .utf8))
        let name = document.path.replacingOccurrences(of: repository.path + "/", with: "")
        var broken: [String] = []
        for link in links.links where !link.target.contains("://") && !link.target.hasPrefix("mailto:") {
            let parts = link.target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let path = String(parts[0])
            let anchor = parts.count > 1 ? String(parts[1]) : nil
            let target = path.isEmpty ? document : document.deletingLastPathComponent().appendingPathComponent(path).standardized
            guard FileManager.default.fileExists(atPath: target.path) else {
                broken.append("\(name):\(link.line): \(link.target) (no such file)")
                continue
            }
            if let anchor, target.pathExtension == "md" {
                let anchors = path.isEmpty ? links.anchors : MarkdownLinks(text: try String(contentsOf: target, encoding: .utf8)).anchors
                if !anchors.contains(anchor) { broken.append("\(name):\(link.line): \(link.target) (no such heading)") }
            }
        }
        return broken
    }

    @Test("every link of the README and docs/ leads to a file and heading that exist")
    func everyLinkResolves() throws {
        let documents = try Self.documents()
        #expect(documents.count > 10, "README.md and docs/*.md should be found from \(Self.repository.path)")
        let broken = try documents.flatMap(Self.brokenLinks(in:))
        #expect(broken.isEmpty, "broken links:\n\(broken.joined(separator: "\n"))")
    }

    @Test("every page of docs/ is linked from the README")
    func everyPageIsOnTheMap() throws {
        let readme = MarkdownLinks(text: try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8))
        let linked = Set(readme.links.map { $0.target.split(separator: "#").first.map(String.init) ?? "" })
        let pages = try Self.documents().dropFirst().map { "docs/" + $0.lastPathComponent }
        #expect(pages.filter { !linked.contains($0) } == [])
    }

    @Test("the README stays a front door: at most 300 lines")
    func readmeIsShort() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count <= 300)
    }

    @Test("anchors follow GitHub's rules: case, punctuation, code spans and repeated headings")
    func anchors() {
        let links = MarkdownLinks(text: "# Operator tools: mesctl\n## `tcp://` stays on loopback\n## Logs\n## Logs\n```\n# not a heading\n```\n")
        #expect(links.anchors == ["operator-tools-mesctl", "tcp-stays-on-loopback", "logs", "logs-1"])
    }

    @Test("links in code are not links, and a missing file or heading is reported with its line")
    func brokenLinksAreFound() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("doc-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "# Other\n## Present\n".write(to: directory.appendingPathComponent("other.md"), atomically: true, encoding: .utf8)
        let page = directory.appendingPathComponent("page.md")
        let text = """
            # Page
            [fine](other.md#present) and [here](#page) and `[code](gone.md)`
            [no file](gone.md)
            ```
            [in a block](gone.md)
            ```
            [no heading](other.md#absent) and [site](https://example.org/x)
            """
        try text.write(to: page, atomically: true, encoding: .utf8)
        let broken = try Self.brokenLinks(in: page).map { $0.split(separator: ":", maxSplits: 1).last.map(String.init) ?? $0 }
        #expect(broken == ["3: gone.md (no such file)", "7: other.md#absent (no such heading)"])
    }
}
