/// A description that cannot be used, with the file, the place in it and the field.
public struct DescriptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; nil when the problem is the file as a whole.
    public var line: Int?
    public var column: Int?
    /// The field, e.g. `fields.axis_x_mm.plausible`; empty for the document itself.
    public var path: String
    public var reason: String

    public init(file: String, line: Int?, column: Int?, path: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let place = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return "\(file)\(place): \(path.isEmpty ? "" : "\(path): ")\(reason)"
    }
}
