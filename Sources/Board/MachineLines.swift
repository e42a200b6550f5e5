import Foundation
import Logging
import MachineTypes

/// The lines the type map names for its machines (`"line"` on an entry), read again whenever the
/// file changes. A map the board cannot read leaves the lines it had: the router, which must
/// read it, says why.
final class MachineLines: @unchecked Sendable {
    private let path: String
    private let logger: Logger
    private let lock = NSLock()
    private var modified: Date?
    private var lines: [String: String] = [:]

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    /// The machines and their lines, as two arrays for PostgreSQL.
    func current() -> (cncIDs: [String], lines: [String]) {
        lock.lock()
        defer { lock.unlock() }
        let modification = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if modification != modified {
            modified = modification
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                lines = try CNCTypeMap(json: Array(data)).lineByCNCID
            } catch {
                logger.warning(
                    "cannot read the lines of the type map; keeping those read before", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
        let sorted = lines.sorted { $0.key < $1.key }
        return (sorted.map(\.key), sorted.map(\.value))
    }
}
