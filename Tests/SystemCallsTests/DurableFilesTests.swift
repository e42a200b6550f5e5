import Foundation
import Testing

@testable import SystemCalls

@Suite("Durable files")
struct DurableFilesTests {
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test("a directory and the missing ones above it are made private; one that exists is kept; one under a file is refused")
    func directories() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try DurableFiles.createDirectory("\(base)/a/b/c")
        for path in ["\(base)/a", "\(base)/a/b", "\(base)/a/b/c"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o700, "\(path)")
        }
        try DurableFiles.createDirectory("\(base)/a/b/c")
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(base)/file"))
        #expect(throws: DurableFiles.Failure("create directory", "\(base)/file/d", errorNumber: ENOTDIR)) {
            try DurableFiles.createDirectory("\(base)/file/d")
        }
    }

    @Test("a file is replaced whole, through a temporary file that does not stay; a failure names the operation and path")
    func replace() throws {
        let base = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let path = "\(base)/position"
        try DurableFiles.replace(path, with: Array("first".utf8), temporary: path + ".new")
        try DurableFiles.replace(path, with: Array("second, longer".utf8), temporary: path + ".new")
        #expect(FileManager.default.contents(atPath: path) == Data("second, longer".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["position"])
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(throws: DurableFiles.Failure("open", "\(base)/missing/position.new", errorNumber: ENOENT)) {
            try DurableFiles.replace("\(base)/missing/position", with: [1], temporary: "\(base)/missing/position.new")
        }
    }
}
