#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a system call again for as long as a signal interrupts it (`EINTR`), and returns its
/// result: C calls that fail with `-1` and `errno`, and libzmq's, which report `EINTR` the same way.
@inlinable
public func retryingInterrupted<Result: BinaryInteger>(_ call: () -> Result) -> Result {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
