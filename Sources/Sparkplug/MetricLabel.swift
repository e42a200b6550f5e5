/// How a reason names a metric: `"Spindle/Speed"`, `alias 17`, or a template's member by its
/// path. Made for every metric but spelled out only in a rejection's reason, so it holds the
/// parts and builds no text until then.
struct MetricLabel: CustomStringConvertible {
    var name: String?
    var alias: UInt64?
    /// The names of the templates around it, outermost first.
    var path: [String] = []

    func member(_ name: String) -> MetricLabel {
        MetricLabel(name: name, alias: nil, path: path + [self.name ?? alias.map { "alias \($0)" } ?? "?"])
    }

    var description: String {
        let own = name.map { "\"\($0)\"" } ?? alias.map { "alias \($0)" } ?? "without name or alias"
        return path.isEmpty ? own : path.joined(separator: "/") + "/" + own
    }
}
