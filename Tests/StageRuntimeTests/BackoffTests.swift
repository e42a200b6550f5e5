import Testing

@testable import StageRuntime

@Suite("Backoff")
struct BackoffTests {
    @Test("delays double up to the cap and stay there")
    func doublingAndCap() {
        var backoff = Backoff(initialMilliseconds: 100, maximumMilliseconds: 1_000)
        let delays = (0..<7).map { _ in backoff.next() }
        #expect(delays == [100, 200, 400, 800, 1_000, 1_000, 1_000])
    }

    @Test("a cap that is not a doubling of the first delay is still reached exactly")
    func oddCap() {
        var backoff = Backoff(initialMilliseconds: 3, maximumMilliseconds: 10)
        let delays = (0..<5).map { _ in backoff.next() }
        #expect(delays == [3, 6, 10, 10, 10])
    }

    @Test("reset starts again from the first delay")
    func reset() {
        var backoff = Backoff(initialMilliseconds: 50, maximumMilliseconds: 400)
        _ = backoff.next()
        _ = backoff.next()
        _ = backoff.next()
        backoff.reset()
        let first = backoff.next(), second = backoff.next()
        #expect(first == 50)
        #expect(second == 100)
        #expect(backoff.initialMilliseconds == 50)
        #expect(backoff.maximumMilliseconds == 400)
    }

    @Test("equal first delay and cap never grow")
    func flat() {
        var backoff = Backoff(initialMilliseconds: 250, maximumMilliseconds: 250)
        let delays = (0..<3).map { _ in backoff.next() }
        #expect(delays == [250, 250, 250])
    }
}
