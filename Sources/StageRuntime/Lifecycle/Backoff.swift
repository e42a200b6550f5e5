/// Exponential retry delays between a first delay and a cap.
public struct Backoff: Sendable {
    /// The first delay, and the first after `reset()`, in ms.
    public let initialMilliseconds: Int
    /// The cap on the delay, in ms.
    public let maximumMilliseconds: Int
    private var current: Int

    /// Delays that start at `initialMilliseconds` and double up to `maximumMilliseconds`.
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

    /// Starts again from `initialMilliseconds`, e.g. once a connection succeeds.
    public mutating func reset() {
        current = initialMilliseconds
    }
}
