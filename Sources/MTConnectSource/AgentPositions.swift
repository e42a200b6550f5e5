import Foundation
import MTConnect
import SystemCalls

/// The committed position of each agent, a file each in one directory: written whole to a
/// temporary file, forced to disk and renamed over the old one, so that a power cut leaves the
/// old position or the new one, never half of either.
struct AgentPositions {
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private func path(_ source: String) -> String { "\(directory)/\(source).position" }

    /// The position last committed for the source, if any; one that cannot be read is none.
    func load(_ source: String) -> AgentFollower.Position? {
        guard let data = FileManager.default.contents(atPath: path(source)) else { return nil }
        return try? JSONDecoder().decode(AgentFollower.Position.self, from: data)
    }

    func save(_ position: AgentFollower.Position, for source: String) throws {
        let bytes = [UInt8](try JSONEncoder().encode(position))
        // A file of this process's own: two processes that follow one agent never write one file.
        let temporary = path(source) + ".\(getpid()).new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PositionError("cannot open \(temporary): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { buffer in retryingInterrupted { write(descriptor, buffer.baseAddress, buffer.count) } }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw PositionError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, path(source)) == 0 else { throw PositionError("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Why a position could not be committed: the file operation that failed, with the system's reason.
    struct PositionError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
