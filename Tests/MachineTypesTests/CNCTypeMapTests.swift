import Foundation
import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import MachineTypes

struct MapFailureCase: Sendable, CustomTestStringConvertible {
    var json: String
    var reason: String
    var knownTypes: Set<String>? = nil
    var testDescription: String { json }
}

@Suite("CNCTypeMap")
struct CNCTypeMapTests {
    @Test("the seed's cnc_classes.json parses")
    func seedMap() throws {
        let map = try CNCTypeMap(json: Array(Fixtures.seedClasses.utf8))
        #expect(map.typeByCNCID == ["CNC001": "CNCTypeA", "CNC002": "CNCTypeB"])
        #expect(map.type(of: "CNC001") == "CNCTypeA")
        #expect(map.type(of: "CNC002") == "CNCTypeB")
        #expect(map.type(of: "CNC003") == nil)
        #expect(map.types == ["CNCTypeA", "CNCTypeB"])
        // With the build's plugins as the known types too.
        #expect(try CNCTypeMap(json: Array(Fixtures.seedClasses.utf8), knownTypes: Fixtures.shippedTypes.typeNames) == map)
    }

    @Test("the repository's deploy/cnc_types.json parses against the built-in plugins")
    func deployMap() throws {
        let map = try CNCTypeMap(json: Fixtures.repositoryFile("deploy/cnc_types.json"), knownTypes: Fixtures.shippedTypes.typeNames)
        #expect(map.typeByCNCID.count == 20)
        for number in 1...20 {
            let id = "CNC" + (number < 10 ? "00" : "0") + String(number)
            #expect(map.type(of: id) == (number % 2 == 1 ? "CNCTypeA" : "CNCTypeB"), "\(id)")
        }
        #expect(Set(map.types).isSubset(of: Fixtures.shippedTypes.typeNames))
        // It extends the seed's map without changing it.
        let seed = try CNCTypeMap(json: Array(Fixtures.seedClasses.utf8))
        for (id, type) in seed.typeByCNCID { #expect(map.type(of: id) == type) }
    }

    @Test("an empty array is an empty map")
    func emptyMap() throws {
        let map = try CNCTypeMap(json: Array("[]".utf8))
        #expect(map.typeByCNCID.isEmpty)
        #expect(map.types.isEmpty)
    }

    @Test("types lists each type once, sorted")
    func typesSortedAndUnique() throws {
        let map = try CNCTypeMap(
            json: Array(#"[{"cnc_id":"M3","class_name":"Zeta"},{"cnc_id":"M1","class_name":"Alpha"},{"cnc_id":"M2","class_name":"Zeta"}]"#.utf8))
        #expect(map.types == ["Alpha", "Zeta"])
    }

    @Test("extra members in an entry are ignored")
    func extraMembers() throws {
        let map = try CNCTypeMap(json: Array(#"[{"cnc_id":"CNC001","class_name":"CNCTypeA","note":"lathe"}]"#.utf8))
        #expect(map.type(of: "CNC001") == "CNCTypeA")
    }

    static let failures: [MapFailureCase] = [
        MapFailureCase(json: "{}", reason: #"expected a JSON array of {"cnc_id", "class_name"} objects"#),
        MapFailureCase(json: #"{"CNC001":"CNCTypeA"}"#, reason: #"expected a JSON array of {"cnc_id", "class_name"} objects"#),
        MapFailureCase(json: #""CNCTypeA""#, reason: #"expected a JSON array of {"cnc_id", "class_name"} objects"#),
        MapFailureCase(json: "[", reason: "not valid JSON: unexpected end of input at byte 1"),
        MapFailureCase(json: "", reason: "not valid JSON: unexpected end of input at byte 0"),
        MapFailureCase(json: #"[{"cnc_id":"A","cnc_id":"B","class_name":"T"}]"#, reason: #"not valid JSON: duplicate member "cnc_id" at byte 15"#),
        MapFailureCase(json: "[1]", reason: "entry 0: expected an object"),
        MapFailureCase(json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA"},["CNC002","CNCTypeB"]]"#, reason: "entry 1: expected an object"),
        MapFailureCase(json: #"[{"class_name":"CNCTypeA"}]"#, reason: #"entry 0: "cnc_id" must be a string"#),
        MapFailureCase(json: #"[{"cnc_id":1,"class_name":"CNCTypeA"}]"#, reason: #"entry 0: "cnc_id" must be a string"#),
        MapFailureCase(json: #"[{"cnc_id":null,"class_name":"CNCTypeA"}]"#, reason: #"entry 0: "cnc_id" must be a string"#),
        MapFailureCase(json: #"[{"cnc_id":"CNC001"}]"#, reason: #"entry 0: "class_name" must be a string"#),
        MapFailureCase(json: #"[{"cnc_id":"CNC001","class_name":["CNCTypeA"]}]"#, reason: #"entry 0: "class_name" must be a string"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC 1","class_name":"CNCTypeA"}]"#, reason: #"entry 0: cnc_id "CNC 1" has characters outside A-Z a-z 0-9 . _ : -"#),
        MapFailureCase(json: #"[{"cnc_id":"","class_name":"CNCTypeA"}]"#, reason: #"entry 0: cnc_id "" is empty"#),
        MapFailureCase(
            json: "[{\"cnc_id\":\"" + String(repeating: "C", count: 65) + "\",\"class_name\":\"CNCTypeA\"}]",
            reason: "entry 0: cnc_id \"" + String(repeating: "C", count: 64) + "\" longer than 64 bytes"),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"1Type"}]"#,
            reason: #"entry 0: class_name "1Type" is not a type name (letters, digits, _; a letter first)"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNC-Type"}]"#,
            reason: #"entry 0: class_name "CNC-Type" is not a type name (letters, digits, _; a letter first)"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"../etc"}]"#,
            reason: #"entry 0: class_name "../etc" is not a type name (letters, digits, _; a letter first)"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":""}]"#,
            reason: #"entry 0: class_name "" is not a type name (letters, digits, _; a letter first)"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA"},{"cnc_id":"CNC001","class_name":"CNCTypeB"}]"#,
            reason: #"entry 1: cnc_id "CNC001" is listed twice"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA"},{"cnc_id":"CNC001","class_name":"CNCTypeA"}]"#,
            reason: #"entry 1: cnc_id "CNC001" is listed twice"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeZ"}]"#,
            reason: #"entry 0: no machine type named "CNCTypeZ" (known: CNCTypeA, CNCTypeB)"#, knownTypes: ["CNCTypeB", "CNCTypeA"]),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA"},{"cnc_id":"CNC002","class_name":"cnctypeb"}]"#,
            reason: #"entry 1: no machine type named "cnctypeb" (known: CNCTypeA, CNCTypeB)"#, knownTypes: ["CNCTypeA", "CNCTypeB"]),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA","line":""}]"#, reason: #"entry 0: "line" must be a text of 1 to 64 bytes"#),
        MapFailureCase(
            json: #"[{"cnc_id":"CNC001","class_name":"CNCTypeA","line":2}]"#, reason: #"entry 0: "line" must be a text of 1 to 64 bytes"#),
    ]

    @Test("an entry may name the machine's line")
    func lines() throws {
        let map = try CNCTypeMap(
            json: Array(
                #"[{"cnc_id":"CNC001","class_name":"CNCTypeA","line":"Line 2"},{"cnc_id":"CNC002","class_name":"CNCTypeB","line":null}]"#.utf8))
        #expect(map.lineByCNCID == ["CNC001": "Line 2"])
        #expect(map.type(of: "CNC002") == "CNCTypeB")
    }

    @Test("load errors name the entry and the problem", arguments: failures)
    func loadErrors(_ testCase: MapFailureCase) {
        #expect(throws: CNCTypeMap.LoadError(reason: testCase.reason)) {
            try CNCTypeMap(json: Array(testCase.json.utf8), knownTypes: testCase.knownTypes)
        }
    }

    @Test("an unknown type is fine when no known types are given")
    func unknownTypeWithoutKnownTypes() throws {
        let map = try CNCTypeMap(json: Array(#"[{"cnc_id":"CNC001","class_name":"CNCTypeZ"}]"#.utf8))
        #expect(map.type(of: "CNC001") == "CNCTypeZ")
    }

    @Test(
        "type names",
        arguments: [
            ("A", true), ("CNCTypeA", true), ("a_1", true), ("Type_2_b", true), (String(repeating: "T", count: 64), true),
            ("", false), ("_a", false), ("1a", false), ("a-b", false), ("a.b", false), ("a b", false), ("é", false), ("a/b", false),
            (String(repeating: "T", count: 65), false),
        ])
    func typeNames(_ name: String, _ valid: Bool) {
        #expect(MachineTypeName.isValid(name) == valid)
    }

    @Test(
        "cnc_id rules",
        arguments: [
            ("CNC001", nil), ("a.b_c:d-9", nil), (String(repeating: "x", count: 64), nil),
            ("", "is empty"), (String(repeating: "x", count: 65), "longer than 64 bytes"),
            ("CNC 1", "has characters outside A-Z a-z 0-9 . _ : -"), ("CNC/1", "has characters outside A-Z a-z 0-9 . _ : -"),
            ("CNCé", "has characters outside A-Z a-z 0-9 . _ : -"), ("CNC\u{0}", "has characters outside A-Z a-z 0-9 . _ : -"),
        ] as [(String, String?)])
    func identifierRules(_ id: String, _ problem: String?) {
        #expect(CNCIdentifier.problem(id) == problem)
        #expect(CNCIdentifier.isValid(id) == (problem == nil))
    }

    @Test("cnc_id length limit is configurable")
    func identifierLimit() {
        #expect(CNCIdentifier.problem("ABCD", maxLength: 3) == "longer than 3 bytes")
        #expect(CNCIdentifier.isValid("ABC", maxLength: 3))
    }
}
