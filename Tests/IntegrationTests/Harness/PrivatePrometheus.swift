import Foundation
import StageRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A Prometheus of a test's own, on a free loopback port, scraping with the configuration the
/// test gives it; its data lives in the test's directory.
final class PrivatePrometheus {
    let port: Int
    private let process: Process
    private let directory: String

    init(configuration: String, directory: String) throws {
        self.directory = directory
        port = try PrivateBroker.freePort()
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        let configurationPath = "\(directory)/prometheus.yml"
        try configuration.write(toFile: configurationPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.executable("prometheus"))
        process.arguments = [
            "--config.file=\(configurationPath)", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        let log =
            FileManager.default.createFile(atPath: "\(directory)/prometheus.log", contents: nil)
            ? FileHandle(forWritingAtPath: "\(directory)/prometheus.log") : nil
        process.standardOutput = log ?? FileHandle.nullDevice
        process.standardError = log ?? FileHandle.nullDevice
        try process.run()
    }

    /// Waits until `/-/ready` answers 200: Prometheus opens its port before it can answer queries.
    func waitUntilReady(seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && process.isRunning {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/-/ready")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError(
            "prometheus did not become ready on port \(port): \((try? String(contentsOfFile: "\(directory)/prometheus.log", encoding: .utf8)) ?? "")")
    }

    /// One instant query through the HTTP API: its status, the series it returned and its error.
    func query(_ expression: String) async throws -> (status: String, series: [[String: Any]], error: String?) {
        // URLQueryItem leaves `+` as it is, which a server reads as a space.
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/v1/query?query=\(encoded)")!)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return (object["status"] as? String ?? "", result, object["error"] as? String)
    }

    /// Each scrape target's health and last error, for a failure's message.
    func targets() async -> String {
        guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/v1/targets")!) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// `promtool check metrics` over `text` (Prometheus's own linter of the text format): its
    /// exit status and what it said.
    static func checkMetrics(_ text: String) throws -> (status: Int32, output: String) {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: try executable("promtool"))
        check.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        check.standardInput = input
        check.standardOutput = output
        check.standardError = output
        try check.run()
        // The text is small: a pipe's buffer holds it, and promtool reads it all before it answers.
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        check.waitUntilExit()
        return (check.terminationStatus, String(decoding: said, as: UTF8.self))
    }

    /// The program's path on `PATH`; scripts/test.sh installs Debian's prometheus package.
    static func executable(_ name: String) throws -> String {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        guard let path = directories.map({ "\($0)/\(name)" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw HarnessError("\(name) not found on PATH: install the prometheus package (scripts/test.sh does)")
        }
        return path
    }
}
