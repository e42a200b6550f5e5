import Foundation

/// A PostgreSQL cluster of a test's own, which the test may stop and start again.
///
/// The server refuses to run as root, so its files belong to the `postgres` user and every
/// server command runs as that user.
final class PrivatePostgres {
    let directory: String
    let port: Int
    private let binaries: String

    init() throws {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        directory = "/tmp/cnc-pg-\(tag)"
        port = try PrivateBroker.freePort()
        binaries = try Self.binaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try BrokerTests.run("/bin/chown", ["postgres:postgres", directory])
        try asPostgres("\(binaries)/initdb", ["-D", "\(directory)/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try start()
        try asPostgres("\(binaries)/createdb", ["-h", directory, "-p", String(port), "-U", "postgres", "cnc"])
    }

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/cnc" }

    func start() throws {
        try asPostgres(
            "\(binaries)/pg_ctl",
            [
                "-D", "\(directory)/data", "-l", "\(directory)/postgres.log", "-w", "-t", "30",
                "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
            ])
    }

    /// Stops the server; `immediate` is a crash as far as clients and recovery are concerned.
    func stop(mode: String = "fast") throws {
        try asPostgres("\(binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", mode, "-w", "-t", "30", "stop"])
    }

    deinit {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func asPostgres(_ executable: String, _ arguments: [String]) throws {
        try BrokerTests.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
    }

    private static func binaryDirectory() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).max() else { throw HarnessError("no PostgreSQL server under /usr/lib/postgresql") }
        return "/usr/lib/postgresql/\(newest)/bin"
    }
}
