import Foundation
@testable import StageRuntime
import Testing

/// Serialized: one test changes the process environment.
@Suite("Settings", .serialized)
struct SettingsTests {
    @Test("list splits on commas and drops blanks", arguments: [
        ("a,b", ["a", "b"]),
        (" a , ,b ,", ["a", "b"]),
        ("", []),
        (" , ", []),
        ("tcp://*:1", ["tcp://*:1"]),
        ("a;b", ["a;b"]),
    ] as [(String, [String])])
    func list(_ text: String, _ expected: [String]) {
        #expect(Settings.list(text) == expected)
    }

    @Test("a flag wins over the environment and the default")
    func flagWins() throws {
        #expect(Settings.resolve("flag", env: "PATH", default: "fallback") == "flag")
        #expect(Settings.resolve("flag", env: "PATH") == "flag")
        #expect(try Settings.resolve(7, env: "PATH", default: 3) == 7)
    }

    @Test("an unset variable falls back to the default")
    func defaults() throws {
        let name = "CNC_COLLECTOR_UNIT_TEST_UNSET_\(UInt64.random(in: 0...UInt64.max))"
        #expect(Settings.environment(name) == nil)
        #expect(Settings.resolve(nil, env: name, default: "fallback") == "fallback")
        #expect(Settings.resolve(nil, env: name) == nil)
        #expect(try Settings.resolve(nil, env: name, default: 3) == 3)
    }

    @Test("a set variable is used; an empty one counts as unset; a non-number is an error naming it")
    func environment() throws {
        let name = "CNC_COLLECTOR_UNIT_TEST_\(UInt64.random(in: 0...UInt64.max))"
        defer { unsetenv(name) }
        setenv(name, "42", 1)
        #expect(Settings.resolve(nil, env: name, default: "x") == "42")
        #expect(try Settings.resolve(nil, env: name, default: 3) == 42)
        setenv(name, "", 1)
        #expect(Settings.environment(name) == nil)
        #expect(Settings.resolve(nil, env: name, default: "x") == "x")
        setenv(name, "4x", 1)
        do {
            _ = try Settings.resolve(nil, env: name, default: 3)
            Issue.record("accepted 4x")
        } catch let error as SettingError {
            #expect(error.reason == "\(name)=4x is not a whole number")
            #expect(error.description == error.reason)
        }
    }
}
