/// A board setting whose text cannot be used, and why.
public struct BoardSettingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
