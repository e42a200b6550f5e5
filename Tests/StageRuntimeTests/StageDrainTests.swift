import Testing

@testable import StageRuntime

/// Feeds `waits` (milliseconds, whether input came) to `drain`, returning each answer.
private func run(_ drain: inout StageDrain, _ waits: [(Int, Bool)]) -> [Bool] {
    waits.map { drain.record(waited: $0.0, gotInput: $0.1) }
}

@Suite("StageDrain")
struct StageDrainTests {
    @Test("stops after the idle time without input")
    func idle() {
        var drain = StageDrain(idleMilliseconds: 500, maximumMilliseconds: 15_000)
        let answers = run(&drain, Array(repeating: (100, false), count: 5))
        #expect(answers == [false, false, false, false, true])
    }

    @Test("input restarts the idle count")
    func inputResetsIdle() {
        var drain = StageDrain(idleMilliseconds: 300, maximumMilliseconds: 15_000)
        let answers = run(&drain, [(100, false), (100, false), (0, true), (100, false), (100, false), (100, false)])
        #expect(answers == [false, false, false, false, false, true])
    }

    @Test("never drains longer than the maximum, even with steady input")
    func maximum() {
        var drain = StageDrain(idleMilliseconds: 500, maximumMilliseconds: 1_000)
        let answers = run(&drain, Array(repeating: (100, true), count: 10))
        #expect(answers == Array(repeating: false, count: 9) + [true])
    }

    @Test("defaults: 500 ms idle, 15 s at most")
    func defaults() {
        var drain = StageDrain()
        #expect(drain.idleMilliseconds == 500)
        #expect(drain.maximumMilliseconds == 15_000)
        let answers = run(&drain, Array(repeating: (100, false), count: 5))
        #expect(answers == [false, false, false, false, true])
        var busy = StageDrain()
        let busyAnswers = run(&busy, Array(repeating: (500, true), count: 30))
        #expect(busyAnswers.firstIndex(of: true) == 29)
    }
}
