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
        try DurableFiles.createDirectory(directory)
    }

    private func path(_ source: String) -> String { "\(directory)/\(source).position" }

    /// The position last committed for the source, if any; one that cannot be read is none.
    func load(_ source: String) -> AgentFollower.Position? {
        guard let data = FileManager.default.contents(atPath: path(source)) else { return nil }
        return try? JSONDecoder().decode(AgentFollower.Position.self, from: data)
    }

    /// Commits `position` for the source: once this returns, a power cut leaves it on disk.
    /// Throws `DurableFiles.Failure` when the file cannot be written.
    func save(_ position: AgentFollower.Position, for source: String) throws {
        let bytes = [UInt8](try JSONEncoder().encode(position))
        // A file of this process's own: two processes that follow one agent never write one file.
        try DurableFiles.replace(path(source), with: bytes, temporary: path(source) + ".\(getpid()).new")
    }
}
