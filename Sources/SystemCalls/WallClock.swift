#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time as the pipeline stores it: microseconds since the Unix epoch.
public enum WallClock {
    /// The current time (`CLOCK_REALTIME`) in µs since 1970-01-01 00:00 UTC; it moves when the system clock is set.
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}
