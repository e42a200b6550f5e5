/// An agent's error document: one or more codes (`OUT_OF_RANGE`, `NO_DEVICE`, `INVALID_REQUEST`,
/// …) with their texts.
public struct MTConnectErrorDocument: Sendable, Equatable {
    /// One error of the document: its code and its text.
    public struct Entry: Sendable, Equatable {
        /// The error's code, such as `OUT_OF_RANGE`; an MTConnect 2.5 error element without an
        /// `errorCode` gives its name in upper snake case (`OutOfRange` is `OUT_OF_RANGE`).
        public var code: String
        /// The agent's text for the error, trimmed of white space at either end; may be empty.
        public var text: String

        /// An entry of `code` with `text`.
        public init(code: String, text: String) {
            self.code = code
            self.text = text
        }
    }

    /// The document's `Header`; nil when it has none.
    public var header: MTConnectHeader?
    /// The errors, in the document's order.
    public var errors: [Entry]

    /// An error document of `errors`, under `header` if it has one.
    public init(header: MTConnectHeader?, errors: [Entry]) {
        self.header = header
        self.errors = errors
    }

    /// Whether the agent says the sequence asked for is outside its buffer.
    public var isOutOfRange: Bool { errors.contains { $0.code == "OUT_OF_RANGE" } }
}
