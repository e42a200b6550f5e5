import Foundation
import Synchronization

/// A mosquitto of a test's own, on a free loopback port, that the test may stop and restart.
final class PrivateBroker {
    let directory: String
    let port: Int
    private var process: Process?

    /// `extraConfiguration` lines go into the listener's configuration (passwords, TLS).
    init(directory: String, extraConfiguration: [String] = []) throws {
        self.directory = directory
        self.port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration =
            [
                "user root",
                "listener \(port) 127.0.0.1",
                "allow_anonymous \(extraConfiguration.contains { $0.hasPrefix("password_file") } ? "false" : "true")",
                "persistence true",
                "persistence_location \(directory)/",
                "max_queued_messages 100000",
                "log_dest file \(directory)/mosquitto.log",
            ] + extraConfiguration
        try configuration.joined(separator: "\n").appending("\n").write(toFile: "\(directory)/mosquitto.conf", atomically: true, encoding: .utf8)
        try start()
    }

    var url: String { "mqtt://127.0.0.1:\(port)" }

    func start() throws {
        let process = Process()
        // The test runner's threads block most signals and a spawned child inherits that mask;
        // mosquitto only unblocks what was unblocked at its start, so it would never see SIGTERM.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
            Self.executable, "-c", "\(directory)/mosquitto.conf",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("mosquitto did not start on port \(port)")
    }

    /// Stops the broker (SIGTERM saves its persistent sessions to disk).
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop()
    }

    static var executable: String {
        ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "mosquitto"
    }

    /// Ports this process was given, each once: a port is free again once the probe closes it,
    /// so two calls before either is bound could get the same one (the metrics test's router and
    /// sink once did).
    private static let portsGiven = Mutex<Set<Int>>([])

    /// A loopback port nothing listens on, and that no earlier call of this process returned.
    static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = try probeFreePort()
            if portsGiven.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw HarnessError("no free port that was not given out before")
    }

    private static func probeFreePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw HarnessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
