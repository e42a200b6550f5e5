/// An agent's error document: one or more codes (`OUT_OF_RANGE`, `NO_DEVICE`, `INVALID_REQUEST`,
/// …) with their texts.
public struct MTConnectErrorDocument: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var code: String
        public var text: String

        public init(code: String, text: String) {
            self.code = code
            self.text = text
        }
    }

    public var header: MTConnectHeader?
    public var errors: [Entry]

    public init(header: MTConnectHeader?, errors: [Entry]) {
        self.header = header
        self.errors = errors
    }

    /// Whether the agent says the sequence asked for is outside its buffer.
    public var isOutOfRange: Bool { errors.contains { $0.code == "OUT_OF_RANGE" } }
}
