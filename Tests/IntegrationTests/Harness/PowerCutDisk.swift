import Foundation

/// A disk that can lose power: `PowerCut/powercut_fs.py` mounted at `mountPoint`, keeping in
/// memory what was written and not synced. `cut(victims:)` cuts the power at the next change
/// that finds anything unsynced, killing the machine's processes at that moment; `boot()`
/// mounts what survived.
final class PowerCutDisk {
    let mountPoint: String
    /// What the disk keeps across power cuts: the synced state, written at each cut.
    let diskDirectory: String
    private let cutRequest: String
    private let reportPath: String
    private let logPath: String
    private var process: Process?
    private var boots = 0

    /// What the file system said at the cut.
    struct Report: Decodable {
        var operation: String
        var path: String?
        var reason: String
        var unsyncedFiles: Int
        var unsyncedBytes: Int
        var unsyncedDirectories: Int
    }

    init(directory: String) throws {
        mountPoint = "\(directory)/mnt"
        diskDirectory = "\(directory)/disk"
        cutRequest = "\(directory)/cut-request"
        reportPath = "\(directory)/cut-report.json"
        logPath = "\(directory)/powercut-fs.log"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try boot()
    }

    static var script: String { "\(TestEnvironment.packageDirectory)/Tests/IntegrationTests/PowerCut/powercut_fs.py" }

    /// Mounts the file system from what the disk kept, and waits until it is mounted.
    func boot() throws {
        try? FileManager.default.removeItem(atPath: cutRequest)
        try? FileManager.default.removeItem(atPath: reportPath)
        boots += 1
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        // Debian's python3, where python3-fusepy lives (scripts/test.sh installs it).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Self.script, "--disk", diskDirectory, "--mount", mountPoint, "--cut-request", cutRequest, "--report", reportPath,
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && process.isRunning {
            if isMounted { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw HarnessError(
            """
            the power-cut test needs FUSE: /dev/fuse, root, libfuse2 and python3-fusepy (scripts/test.sh installs them), \
            but \(Self.script) did not mount \(mountPoint) (boot \(boots)):
            \(output)
            """)
    }

    /// Whether a file system other than the one the mount point lies on is mounted there.
    var isMounted: Bool {
        var mounted = stat(), parent = stat()
        guard stat(mountPoint, &mounted) == 0, stat("\(mountPoint)/..", &parent) == 0 else { return false }
        return mounted.st_dev != parent.st_dev
    }

    /// Cuts the power at the next change to the file system that finds anything unsynced (or the
    /// first after 2 s): the `victims` are killed with SIGKILL at that moment, the change is not
    /// applied, and the file system unmounts with only what was synced kept. Returns the report.
    func cut(victims: [pid_t], seconds: Double = 30) throws -> Report {
        try victims.map(String.init).joined(separator: " ").write(toFile: cutRequest, atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !FileManager.default.fileExists(atPath: reportPath) { Thread.sleep(forTimeInterval: 0.02) }
        guard let data = FileManager.default.contents(atPath: reportPath) else {
            throw HarnessError("the power was not cut within \(seconds) s:\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        if let process {
            let exitDeadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.02) }
        }
        guard !isMounted else { throw HarnessError("the file system is still mounted after the power cut") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Report.self, from: data)
    }

    /// Unmounts cleanly: no power cut, everything is kept.
    func unmount() {
        if let process, process.isRunning {
            // SIGTERM unmounts; a lazy unmount frees the mount point should the program be stuck.
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        if isMounted { try? ChildProcess.run("/bin/umount", ["-l", mountPoint]) }
    }

    deinit {
        unmount()
    }
}
