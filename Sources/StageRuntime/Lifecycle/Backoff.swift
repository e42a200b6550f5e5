/// Exponential retry delays between a first delay and a cap.
public struct Backoff: Sendable {
    public let initialMilliseconds: Int
    public let maximumMilliseconds: Int
    private var current: Int

    public init(initialMilliseconds: Int, maximumMilliseconds: Int) {
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
        self.current = initialMilliseconds
    }

    /// The delay to wait now; the following one doubles, up to the cap.
    public mutating func next() -> Int {
        defer { current = current >= maximumMilliseconds / 2 ? maximumMilliseconds : current * 2 }
        return current
    }

    public mutating func reset() {
        current = initialMilliseconds
    }
}
