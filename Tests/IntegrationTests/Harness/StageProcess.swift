import Foundation

/// One pipeline executable started for a test, its output in a log file.
final class StageProcess {
    let name: String
    let process = Process()
    let logPath: String

    /// `launcher` runs the executable through another program (`ip netns exec NS`).
    init(executable: String, arguments: [String] = [], name: String, environment: [String: String], logDirectory: String, launcher: [String] = [])
        throws
    {
        self.name = name
        logPath = "\(logDirectory)/\(name).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let path = "\(TestEnvironment.binaryDirectory)/\(executable)"
        process.executableURL = URL(fileURLWithPath: launcher.first ?? path)
        process.arguments = launcher.isEmpty ? arguments : Array(launcher.dropFirst()) + [path] + arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: TestEnvironment.packageDirectory)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// The most memory the process has held so far (VmHWM), in MiB; nil once it has exited.
    var peakResidentMegabytes: Double? {
        guard process.isRunning, let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1024
    }

    /// Waits for the process to exit; returns its status, or nil if it did not exit in time.
    @discardableResult
    func waitForExit(seconds: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Waits until the log contains `text`.
    func waitForLog(_ text: String, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if log.contains(text) { return true }
            if !process.isRunning { return log.contains(text) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
