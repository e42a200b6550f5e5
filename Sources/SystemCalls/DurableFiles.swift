#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files and directories that survive a power cut: data is synced before a name points to it,
/// and a name is on disk only once the directory that holds it is synced. The one place that
/// knows this, for ingest's journal and the mtconnect stage's agent positions.
public enum DurableFiles {
    /// Why a durable write failed: the operation, the path and the system's reason.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// `cannot OPERATION PATH: REASON`.
        public var description: String

        init(_ operation: String, _ path: String, errorNumber: Int32 = errno) {
            description = "cannot \(operation) \(path): \(String(cString: strerror(errorNumber)))"
        }
    }

    /// Syncs the directory at `path`, so that the names made, renamed or removed in it survive a
    /// power cut. Best effort: a directory that cannot be opened is left as it is, since what
    /// follows (the write it was for) reports the real problem.
    public static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Makes the directory `path` and every missing one above it with `mode`, syncing the parent
    /// of each one made. A directory that exists already is left as it is.
    /// Throws `Failure` naming the directory that could not be made.
    public static func createDirectory(_ path: String, mode: mode_t = 0o700) throws(Failure) {
        let absolute = path.hasPrefix("/")
        var current = absolute ? "" : "."
        for component in path.split(separator: "/") where component != "." {
            let parent = current.isEmpty ? "/" : current
            current += "/" + component
            if mkdir(current, mode) == 0 {
                syncDirectory(parent)
            } else if errno != EEXIST {
                throw Failure("create directory", current)
            }
        }
    }

    /// Replaces the file at `path` with `bytes`, whole or not at all, durably: they are written to
    /// `temporary` (made with `mode`), synced, renamed over `path`, and the directory synced.
    /// `temporary` must be in `path`'s directory and of this process alone. Throws `Failure`.
    public static func replace(_ path: String, with bytes: [UInt8], temporary: String, mode: mode_t = 0o600) throws(Failure) {
        try writeSynced(bytes, to: temporary, mode: mode)
        guard rename(temporary, path) == 0 else { throw Failure("rename \(temporary) to", path) }
        let slash = path.lastIndex(of: "/")
        syncDirectory(slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? ".")
    }

    /// Writes `bytes` as the whole of a new file at `path` and forces them to disk; the file is
    /// closed however that ends.
    private static func writeSynced(_ bytes: [UInt8], to path: String, mode: mode_t) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure("open", path) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { buffer in retryingInterrupted { write(descriptor, buffer.baseAddress, buffer.count) } }
            guard count > 0 else { throw Failure("write", path) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw Failure("sync", path) }
    }
}
