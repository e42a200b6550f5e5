import CNCPlugins
import DescriptionFiles
import Foundation
import TestSupport
import Testing

@testable import MachineTypes

/// sshd's StrictModes for the types directory, its descriptions and the external programs, on
/// temp directories whose modes each test sets; no server.
@Suite("Strict modes")
struct StrictModesTests {
    /// A types directory (0755) with a description (0644) and an external program in `plugins/`
    /// (0755, the script 0644), as a checkout with umask 022 has them.
    static func typesDirectory() throws -> String {
        let directory = try Fixtures.ownDirectory("strict")
        try Fixtures.write("name: Mill\nstatus: {variable: s, map: {run: running}}\n", to: "\(directory)/Mill.yaml")
        try Fixtures.write("name: Laser\nprogram: [python3, plugins/laser.py]\n", to: "\(directory)/Laser.yaml")
        try FileManager.default.createDirectory(atPath: "\(directory)/plugins", withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/plugins")
        try Fixtures.write("print('{\"protocol\":1}', flush=True)\n", to: "\(directory)/plugins/laser.py")
        return directory
    }

    static func chmod(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test("a directory, description and program that only their owner can write are read and run")
    func safeFilesPass() throws {
        let directory = try Self.typesDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (catalog, errors) = MachineTypeCatalog.load(directory: directory)
        #expect(errors.isEmpty, "\(errors)")
        #expect(catalog.defined.keys.sorted() == ["Laser", "Mill"])
        // The temp directory above is writable by all, with the sticky bit: that is allowed.
        #expect(StrictModes().problem(withDirectory: directory) == nil)
    }

    @Test("the repository's own types directory passes")
    func shippedTypesPass() {
        let (catalog, errors) = MachineTypeCatalog.load(directory: Fixtures.packageRoot.appendingPathComponent("deploy/types").path)
        #expect(errors.isEmpty, "\(errors)")
        #expect(catalog.defined["CNCTypeC"] != nil)
    }

    @Test("a group-writable types directory is refused with its path, mode, owner and the fix, and holds no type")
    func groupWritableDirectory() throws {
        let directory = try Self.typesDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.chmod(directory, 0o775)
        let (catalog, errors) = MachineTypeCatalog.load(directory: directory)
        #expect(catalog.defined.isEmpty)
        let owner = StrictModes.userName(geteuid())
        #expect(
            errors.map(\.description) == [
                "\(directory): types directory refused: \(directory) is writable by its group (mode 0775, owner \(owner)), "
                    + "who could change the code a worker runs: chmod go-w \(directory)"
            ])

        // Read again: the types in force stay.
        try Self.chmod(directory, 0o755)
        let (before, _) = MachineTypeCatalog.load(directory: directory)
        try Self.chmod(directory, 0o757)
        let (kept, keptErrors) = MachineTypeCatalog.load(directory: directory, keeping: before)
        #expect(kept.defined.keys.sorted() == ["Laser", "Mill"])
        #expect(keptErrors.first?.reason.contains("is writable by others (mode 0757") == true)
        // Off, as sshd's StrictModes no: read as it is.
        #expect(MachineTypeCatalog.load(directory: directory, strictModes: StrictModes(isOn: false)).1.isEmpty)
    }

    @Test("a description others can write is refused; the others of the directory are read")
    func writableDescription() throws {
        let directory = try Self.typesDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.chmod("\(directory)/Mill.yaml", 0o666)
        let (catalog, errors) = MachineTypeCatalog.load(directory: directory)
        #expect(catalog.defined.keys.sorted() == ["Laser"])
        #expect(
            errors.map(\.description) == [
                "\(directory)/Mill.yaml: Mill: description refused: \(directory)/Mill.yaml is writable by its group and others "
                    + "(mode 0666, owner \(StrictModes.userName(geteuid()))), who could change the code a worker runs: "
                    + "chmod go-w \(directory)/Mill.yaml"
            ])
    }

    @Test("an external program, or the directory holding it, that group can write is refused, at reading and at every start")
    func writableProgram() throws {
        let directory = try Self.typesDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = "\(directory)/plugins/laser.py"
        try Self.chmod(script, 0o664)
        let (catalog, errors) = MachineTypeCatalog.load(directory: directory)
        #expect(catalog.defined.keys.sorted() == ["Mill"])
        #expect(errors.count == 1)
        #expect(errors.first?.path == "program")
        #expect(errors.first?.reason.hasPrefix("Laser: refused to run it: \(script) is writable by its group (mode 0664") == true)
        #expect(errors.first?.reason.hasSuffix("chmod go-w \(script)") == true)

        try Self.chmod(script, 0o644)
        try Self.chmod("\(directory)/plugins", 0o775)
        #expect(MachineTypeCatalog.load(directory: directory).1.first?.reason.contains("\(directory)/plugins is writable by its group") == true)

        // Made writable after it was read: the program is not started, and its messages wait.
        try Self.chmod("\(directory)/plugins", 0o755)
        let plugin = try #require(MachineTypeCatalog.load(directory: directory).0.mapper(named: "Laser"))
        try Self.chmod(script, 0o646)
        let outcome = try ExternalPluginTests.outcome(plugin, #"{"s":"run"}"#)
        guard case .failure(let rejection) = outcome else { throw HarnessFailure("started a program others can write") }
        #expect(rejection.isUnavailable)
        #expect(rejection.reason.hasPrefix("external plugin Laser: refused to run it: \(script) is writable by others (mode 0646"))
    }

    @Test("a file of another user is refused; a directory above with the sticky bit is allowed, one without it is not")
    func ownersAndDirectoriesAbove() throws {
        let directory = try Self.typesDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Root owns nothing here but may hand a file to another user; another user sees its own files as someone else's.
        let strict: StrictModes
        if geteuid() == 0 {
            #expect(chown("\(directory)/Mill.yaml", 65_534, 65_534) == 0)
            strict = StrictModes()
        } else {
            strict = StrictModes(user: geteuid() + 1)
        }
        let problem = try #require(strict.problem(withFile: "\(directory)/Mill.yaml"))
        #expect(problem.contains("belongs to another user"))
        #expect(problem.contains("neither root nor this process's user"))
        #expect(problem.contains("chown \(StrictModes.loginName(strict.user))"))

        let inner = "\(directory)/shared/types"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        try Self.chmod(inner, 0o755)
        try Self.chmod("\(directory)/shared", 0o1777)
        #expect(StrictModes().problem(withDirectory: inner) == nil)
        try Self.chmod("\(directory)/shared", 0o777)
        #expect(StrictModes().problem(withDirectory: inner)?.hasPrefix("\(directory)/shared is writable by its group and others") == true)
        // The types directory itself may not rely on the sticky bit: anyone could add a description.
        try Self.chmod("\(directory)/shared", 0o755)
        try Self.chmod(inner, 0o1777)
        #expect(StrictModes().problem(withDirectory: inner) != nil)
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
