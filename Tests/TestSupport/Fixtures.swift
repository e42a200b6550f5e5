import CNCPlugins
import CollectorCore
import Foundation
import Ingest
import MachineTypes

/// Shared inputs for the unit tests: the seed's sample lines and map, repository files, and
/// small helpers. No servers, no network.
package enum Fixtures {
    /// The package root: this file is Tests/CollectorCoreTests/Fixtures.swift.
    package static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The seed's `sample_data.json`, line by line (the file ends its lines with CRLF).
    package static let sampleLines: [String] = [
        #"{"cnc_id": "CNC001","part_program": "program_01","timestamp": "1747379028","payload":{"status": "running","spin":200,"X-Axis":30,"#
            + #""Y-Axis":80}}"#,
        #"{"cnc_id": "CNC002","part_program": "program_02","timestamp": "1747379030","payload":{"status": "idle","spin":0,"X-Axis":0,"Y-Axis":0}}"#,
        #"{"cnc_id": "CNC001","part_program": "program_03","timestamp": "1747379035","payload":{"status": "error","spin":100,"X-Axis":25,"#
            + #""Y-Axis":75}}"#,
    ]

    package static var sampleBytes: [[UInt8]] { sampleLines.map { Array($0.utf8) } }

    /// The seed's `cnc_classes.json`.
    package static let seedClasses = """
        [
          { "cnc_id": "CNC001", "class_name": "CNCTypeA" },
          { "cnc_id": "CNC002", "class_name": "CNCTypeB" }
        ]
        """

    /// A file of the repository, by path relative to the package root.
    package static func repositoryFile(_ relativePath: String) throws -> [UInt8] {
        let url = packageRoot.appendingPathComponent(relativePath)
        return Array(try Data(contentsOf: url))
    }

    package static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A message from its four fields as raw JSON fragments; nil leaves a field out.
    package static func message(
        cncID: String? = #""CNC001""#, partProgram: String? = #""P1""#, timestamp: String? = #""1747379028""#,
        payload: String? = #"{"spin":1}"#, extra: String? = nil
    ) -> String {
        var members: [String] = []
        if let cncID { members.append(#""cnc_id":"# + cncID) }
        if let partProgram { members.append(#""part_program":"# + partProgram) }
        if let timestamp { members.append(#""timestamp":"# + timestamp) }
        if let payload { members.append(#""payload":"# + payload) }
        if let extra { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Validates `raw` and wraps it as the message ingest would pass on.
    package static func cncMessage(
        _ raw: [UInt8], id: MessageID = MessageID(high: 7, low: 1), receivedAt: Int64 = 1_747_379_099_000_000, topic: String = "sensor/CNC"
    ) throws -> CNCMessage {
        let fields = try MessageValidator().validate(raw).get()
        return CNCMessage(id: id, topic: topic, raw: raw, accepted: fields, receivedAt: receivedAt, firstReceivedAt: receivedAt)
    }

    /// A message for CNC001 whose payload is `payload` (JSON text).
    package static func cncMessage(payload: String, cncID: String = "CNC001") throws -> CNCMessage {
        try cncMessage(bytes(message(cncID: "\"\(cncID)\"", payload: payload)))
    }

    /// The machine types this repository ships: the Swift plugins and the descriptions in deploy/types.
    package static let shippedTypes: MachineTypeCatalog = {
        let (catalog, errors) = MachineTypeCatalog.load(directory: packageRoot.appendingPathComponent("deploy/types").path)
        precondition(errors.isEmpty, "deploy/types: \(errors)")
        return catalog
    }()

    /// A new directory of the temp directory, mode 0755 whatever the umask: a types directory
    /// that group or others can write is refused (`StrictModes`).
    package static func ownDirectory(_ prefix: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        return directory
    }

    /// Writes `text` to `path` with `mode` (0644 unless told), whatever the umask.
    package static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    package static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members: members.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}

/// A deterministic generator for the seeded loops.
package struct TestRandom: RandomNumberGenerator {
    private var generator: SplitMix64

    package init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    package mutating func next() -> UInt64 {
        generator.next()
    }

    package mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}

extension Array where Element == UInt8 {
    /// Runs `firstInvalidUTF8Offset` over the array.
    package var firstInvalidUTF8: Int? {
        withUnsafeBufferPointer { firstInvalidUTF8Offset($0) }
    }
}
