#if canImport(Glibc)
    import Glibc
#endif

/// Milliseconds on a clock that wall-clock changes do not move: for deadlines and intervals.
package func monotonicMilliseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000 + UInt64(spec.tv_nsec) / 1_000_000
}

/// Blocks the calling thread for `milliseconds` ms (`usleep`); a signal may end the wait early.
package func usleepMilliseconds(_ milliseconds: Int) {
    usleep(useconds_t(milliseconds * 1_000))
}

/// Nanoseconds on the monotonic clock: for durations.
package func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
