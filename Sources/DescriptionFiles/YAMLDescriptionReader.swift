import Foundation
import Yams

/// What every reader of a description file (machine types, message sources) shares: the YAML
/// document, and values taken from it with errors that name the file, the line, the column and
/// the field, so that a typo never passes silently.
public protocol YAMLDescriptionReader {
    /// The file, as errors name it.
    var file: String { get }
}

extension YAMLDescriptionReader {
    /// The text of the description file at `path`.
    public static func text(ofFileAt path: String) throws(DescriptionError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DescriptionError(file: path, line: nil, column: nil, path: "", reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DescriptionError(file: path, line: nil, column: nil, path: "", reason: "not UTF-8 text")
        }
        return text
    }

    /// The document's root node.
    public func root(yaml text: String) throws(DescriptionError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw DescriptionError(file: file, line: nil, column: nil, path: "", reason: "not YAML: \(error)")
        }
        guard let root else { throw DescriptionError(file: file, line: nil, column: nil, path: "", reason: "the file is empty") }
        return root
    }

    /// The error for the value at `path`, placed at `node`'s line and column; with no node, about the file as a whole.
    public func fail(_ node: Node?, _ path: String, _ reason: String) -> DescriptionError {
        DescriptionError(file: file, line: node?.mark?.line, column: node?.mark?.column, path: path, reason: reason)
    }

    func syntaxError(_ error: YamlError) -> DescriptionError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            DescriptionError(file: file, line: mark.line, column: mark.column, path: "", reason: "YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            DescriptionError(
                file: file, line: context.mark.line, column: context.mark.column, path: "",
                reason: "a key given twice in one mapping: \(duplicates.joined(separator: ", "))")
        default:
            DescriptionError(file: file, line: nil, column: nil, path: "", reason: "YAML: \(error)")
        }
    }

    /// A mapping's entries by key, each key one of `keys`.
    public func mapping(_ node: Node, _ path: String, keys: [String]) throws(DescriptionError) -> [String: Node] {
        var entries: [String: Node] = [:]
        for (key, keyNode, value) in try pairs(node, path) {
            guard keys.contains(key) else {
                throw fail(keyNode, path.isEmpty ? key : "\(path).\(key)", "unknown key; the keys here are \(keys.joined(separator: ", "))")
            }
            entries[key] = value
        }
        return entries
    }

    /// A mapping's pairs in document order, keys as text (the YAML reader refuses a key given twice).
    public func pairs(_ node: Node, _ path: String) throws(DescriptionError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { throw fail(node, path, "must be a mapping of keys to values") }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw fail(keyNode, path, "a key must be plain text") }
            pairs.append((scalar.string, keyNode, value))
        }
        return pairs
    }

    /// A non-empty scalar as written (a number or a boolean included); anything else is an error.
    public func text(_ node: Node, _ path: String) throws(DescriptionError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw fail(node, path, "must be a text") }
        return scalar.string
    }

    /// `true` or `false`, also capitalised or in capitals; any other value is an error.
    public func bool(_ node: Node, _ path: String) throws(DescriptionError) -> Bool {
        switch try text(node, path) {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: throw fail(node, path, "must be true or false")
        }
    }

    /// A finite number; anything else, infinity included, is an error.
    public func number(_ node: Node, _ path: String) throws(DescriptionError) -> Double {
        guard let number = Double(try text(node, path)), number.isFinite else { throw fail(node, path, "must be a number") }
        return number
    }

    /// A whole number above 0; anything else is an error.
    public func positiveInteger(_ node: Node, _ path: String) throws(DescriptionError) -> Int {
        guard let number = Int(try text(node, path)), number > 0 else { throw fail(node, path, "must be a whole number above 0") }
        return number
    }

    /// A `[lowest, highest]` pair of finite numbers, lowest not above highest; anything else is an error.
    public func range(_ node: Node, _ path: String) throws(DescriptionError) -> ClosedRange<Double> {
        guard case .sequence(let sequence) = node, sequence.count == 2 else { throw fail(node, path, "must be [lowest, highest]") }
        let low = try number(sequence[0], path), high = try number(sequence[1], path)
        guard low <= high else { throw fail(node, path, "the lowest, \(low), is above the highest, \(high)") }
        return low...high
    }
}
