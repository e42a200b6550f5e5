/// A description that cannot be used, with the file, the place in it and the field.
public struct DescriptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the problem is in: the description file, or a directory or setting when the problem lies there.
    public var file: String
    /// 1-based; nil when the problem is the file as a whole.
    public var line: Int?
    /// 1-based, counted in Unicode scalars as the YAML reader counts them; nil when there is no place in the file.
    public var column: Int?
    /// The field, e.g. `fields.axis_x_mm.plausible`; empty for the document itself.
    public var path: String
    /// What is wrong, in words for whoever edits the file.
    public var reason: String

    /// A problem in `file`, at `line`:`column` when known, in the field `path` (empty for the document itself).
    public init(file: String, line: Int?, column: Int?, path: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.reason = reason
    }

    /// `file:line:column: path: reason`, leaving out a place that is unknown and a path that is empty.
    public var description: String {
        let place = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return "\(file)\(place): \(path.isEmpty ? "" : "\(path): ")\(reason)"
    }
}
