import Foundation
import Testing

@testable import StageRuntime

@Suite("Settings")
struct SettingsTests {
    @Test(
        "list splits on commas and drops blanks",
        arguments: [
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

    private static let number = Setting<Int>.integer("CNC_TEST_NUMBER", flag: "number", default: 3, range: 1...10, unit: " units", help: "A number")
    private static let word = Setting<String>.text("CNC_TEST_WORD", flag: nil, default: nil, defaultText: "derived", help: "A word")

    @Test("a flag wins over the variable, the variable over the default; an empty variable counts as unset")
    func precedence() throws {
        let set = SettingsEnvironment(["CNC_TEST_NUMBER": "5", "CNC_TEST_WORD": ""])
        #expect(try Self.number.required("7", environment: set) == 7)
        #expect(try Self.number.required(nil, environment: set) == 5)
        #expect(try Self.number.required(nil, environment: SettingsEnvironment([:])) == 3)
        #expect(try Self.word.value(nil, environment: set) == nil)
        #expect(try Self.word.value(nil, derived: "fallback", environment: set) == "fallback")
    }

    @Test(
        "a value out of range or unreadable is an error naming where it came from and what is allowed",
        arguments: [
            ("11", nil, "CNC_TEST_NUMBER=11: must be 1 to 10 units"),
            ("x", nil, "CNC_TEST_NUMBER=x: must be 1 to 10 units"),
            (nil, "0", "--number 0: must be 1 to 10 units"),
        ] as [(String?, String?, String)])
    func refused(_ variable: String?, _ flag: String?, _ reason: String) {
        let environment = SettingsEnvironment(variable.map { ["CNC_TEST_NUMBER": $0] } ?? [:])
        #expect(throws: SettingError.self) { try Self.number.required(flag, environment: environment) }
        do {
            _ = try Self.number.required(flag, environment: environment)
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test("a setting without a default that is not given names its flag and variable")
    func missing() {
        let type = Setting<String>.text("CNC_TEST_TYPE", flag: "type", default: nil, help: "The type")
        do {
            _ = try type.required(nil, environment: SettingsEnvironment([:]))
            Issue.record("accepted a missing setting")
        } catch {
            #expect(error.reason == "--type or CNC_TEST_TYPE must be given: The type")
        }
    }

    @Test("the help line names the variable, the values allowed and the default")
    func helpLine() {
        #expect(Self.number.description.helpLine == "A number (CNC_TEST_NUMBER; 1 to 10 units; default 3)")
        #expect(Self.word.description.helpLine == "A word (CNC_TEST_WORD; default derived)")
        #expect(Self.number.description.problem(with: "4") == nil)
        #expect(Self.number.description.problem(with: "40") == "CNC_TEST_NUMBER=40: must be 1 to 10 units")
    }
}
