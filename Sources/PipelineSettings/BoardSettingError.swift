/// A board setting whose text cannot be used, and why.
public struct BoardSettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the text, in words for the operator.
    public var description: String

    /// An error that says `description`.
    public init(_ description: String) {
        self.description = description
    }
}
