import Foundation
import Testing

@testable import StageRuntime

@Suite("Runtime directory")
struct RuntimeDirectoryTests {
    /// A fresh directory under the temporary directory, removed by the caller.
    static func scratch() throws -> String {
        let path = "\(NSTemporaryDirectory())/cnc-rt-test-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    static func reason(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as SettingError {
            return error.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("a missing directory is created with mode 0700, and accepted")
    func created() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let endpoints = try StageEndpoints.resolve(runtimeDirectory: "\(base)/rt")
        try endpoints.prepareRuntimeDirectory()
        let mode = try FileManager.default.attributesOfItem(atPath: "\(base)/rt")[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // Preparing again accepts what it made.
        try endpoints.prepareRuntimeDirectory()
    }

    @Test("stages that start together and create the directory at once all accept it")
    func createdConcurrently() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let failures = Failures()
        for round in 0..<200 {
            let endpoints = try StageEndpoints.resolve(runtimeDirectory: "\(base)/rt\(round)")
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                if let reason = Self.reason({ try endpoints.prepareRuntimeDirectory() }) { failures.add(reason) }
            }
        }
        #expect(failures.all.count == 0, "the first refusal: \(failures.all.first ?? "")")
    }

    /// Reasons collected from several threads.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var reasons: [String] = []
        var all: [String] { lock.withLock { reasons } }
        func add(_ reason: String) { lock.withLock { reasons.append(reason) } }
    }

    @Test(
        "a directory that group or others can reach is refused, naming the mode and the fix", arguments: [0o750, 0o705, 0o770, 0o777, 0o710, 0o701])
    func openDirectoryRefused(mode: Int) throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        chmod(base, mode_t(mode))
        let reason = Self.reason { try StageEndpoints.resolve(runtimeDirectory: base).prepareRuntimeDirectory() }
        #expect(reason == "MES_RUNTIME_DIR \(base) has mode \(String(mode, radix: 8)): group and others must have no access (chmod 700 \(base))")
    }

    @Test("a symbolic link or a file is refused")
    func notADirectory() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: "\(base)/real", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: "\(base)/link", withDestinationPath: "\(base)/real")
        #expect(FileManager.default.createFile(atPath: "\(base)/file", contents: Data()))
        for name in ["link", "file"] {
            #expect(
                Self.reason { try StageEndpoints.checkPrivate(directory: "\(base)/\(name)") }
                    == "MES_RUNTIME_DIR \(base)/\(name) is not a directory (a symbolic link is not accepted either)")
        }
        #expect(Self.reason { try StageEndpoints.checkPrivate(directory: "\(base)/real") } == nil)
    }

    @Test("a directory owned by another user is refused", .enabled(if: getuid() == 0, "needs root to give a directory away"))
    func foreignOwnerRefused() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        chown(base, 65_534, 65_534)
        let reason = Self.reason { try StageEndpoints.checkPrivate(directory: base) }
        #expect(reason?.hasPrefix("MES_RUNTIME_DIR \(base) belongs to user id 65534, not to this user (0)") == true, "\(reason ?? "accepted")")
    }
}
