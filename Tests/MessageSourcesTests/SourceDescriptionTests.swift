import CollectorCore
import DescriptionFiles
import Foundation
import MessageSources
import Testing

@Suite("Source descriptions")
struct SourceDescriptionTests {
    static let hall = """
        name: hall1
        description: one topic per machine
        topic: plant/{site}/{line}/{cnc_id}/data
        qos: 0
        time: {field: ts, format: rfc3339}
        part_program: {field: program}
        payload: rest
        """

    @Test("a topic-per-machine source: identity from the topic, the other named levels as tags")
    func topicIdentity() throws {
        let source = try MessageSource.parse(yaml: Self.hall, file: "hall.yaml")
        #expect(source.name == "hall1" && source.qos == 0)
        #expect(source.topic.subscriptionFilter == "plant/+/+/+/data")
        #expect(
            source.layout
                == MessageLayout(
                    cncID: .topicLevel(3), time: .at(.member("ts"), .rfc3339), partProgram: .member("program"), payload: .rest,
                    tags: [.init(name: "site", level: 1), .init(name: "line", level: 2)]))
    }

    @Test("the defaults are the original envelope's fields")
    func defaults() throws {
        let source = try MessageSource.parse(yaml: "name: plain\ntopic: sensor/CNC\n", file: "plain.yaml")
        #expect(source.layout == .envelope)
        #expect(source.qos == nil)
    }

    @Test("received time, no program, payload fields, listed tags")
    func otherForms() throws {
        let source = try MessageSource.parse(
            yaml: """
                name: gateway
                topic: $share/cnc/gw/{site}/{cell}/{program}
                cnc_id: {payload_field: machine}
                time: received
                part_program: {topic: program}
                payload: {field: data}
                tags: [cell]
                """, file: "gateway.yaml")
        #expect(source.topic.shareGroup == "cnc")
        #expect(
            source.layout
                == MessageLayout(
                    cncID: .payloadMember("machine"), time: .received, partProgram: .topicLevel(3), payload: .member("data"),
                    tags: [.init(name: "cell", level: 2)]))
        let none = try MessageSource.parse(yaml: "name: n\ntopic: a/{cnc_id}\npart_program: none\n", file: "n.yaml")
        #expect(none.layout.partProgram == nil)
        #expect(none.layout.cncID == .topicLevel(1))
    }

    @Test(
        "a broken description names the file, the line, the column and the field",
        arguments: [
            ("name: a\n", #"x.yaml:1:1: topic: missing: the topic filter to subscribe to, e.g. plant/{site}/{line}/{cnc_id}/data"#),
            ("name: a\ntopic: a/#/b\n", "x.yaml:2:8: topic: not a topic filter: # must be the last level"),
            ("name: a\ntopic: t\nqos: 3\n", "x.yaml:3:6: qos: must be 0, 1 or 2"),
            ("name: a\ntopic: t\ntime: {field: ts, format: iso}\n", #"x.yaml:3:27: time.format: "iso" is not one of auto, unix_s, unix_ms, rfc3339"#),
            (
                "name: a\ntopic: t/{x}\ncnc_id: {topic: machine}\n",
                "x.yaml:3:17: cnc_id.topic: the topic t/{x} has no level {machine}; its named levels are x"
            ),
            ("name: a\ntopic: t\ncnc_id: {field: a, topic: b}\n", "x.yaml:3:9: cnc_id: give exactly one of field, payload_field and topic"),
            (
                "name: a\ntopic: t\npayload: rest\ncnc_id: {payload_field: m}\n",
                "x.yaml:4:25: cnc_id.payload_field: with payload: rest the variables are fields of the message: use field"
            ),
            ("name: a\ntopic: t\ncnc_id: {field: ts}\ntime: {field: ts}\n", "x.yaml:4:7: time: reads the same place as cnc_id"),
            ("name: a\ntopic: t\ncnc_id: {field: payload}\n", #"x.yaml:3:9: cnc_id: reads the payload's own field "payload""#),
            (
                "name: a\ntopic: t\ntime: yesterday\n",
                "x.yaml:3:7: time: must be received (the time ingest receives the message) or {field: NAME, format: auto}"
            ),
            ("name: a\ntopic: t\ntags: [line]\n", "x.yaml:3:8: tags[0]: the topic t has no level {line}"),
            (
                "name: a\ntopic: t\ncolour: red\n",
                "x.yaml:3:1: colour: unknown key; the keys here are name, description, topic, qos, cnc_id, time, part_program, payload, tags, "
                    + "sparkplug"
            ),
            ("name: 1a\ntopic: t\n", #"x.yaml:1:7: name: "1a" is not a name (letters, digits, _; a letter first; at most 64)"#),
            (
                "name: a\ntopic: spBv1.0/g/#\nsparkplug: {machine: cell}\n",
                #"x.yaml:3:22: sparkplug.machine: "cell" is not one of device, edge_node"#
            ),
            (
                "name: a\ntopic: $share/g/spBv1.0/g/#\nsparkplug: {}\n",
                "x.yaml:2:8: topic: a Sparkplug B source cannot share its subscription: an edge node's births, sequence and DATA must "
                    + "reach one ingest; give each ingest its own groups"
            ),
            (
                "name: a\ntopic: plant/#\nsparkplug: {}\n",
                "x.yaml:2:8: topic: a Sparkplug B source subscribes in the namespace spBv1.0/, e.g. spBv1.0/plant1/#"
            ),
            (
                "name: a\ntopic: spBv1.0/g/#\nsparkplug: {}\ncnc_id: {field: x}\n",
                "x.yaml:4:9: cnc_id: a Sparkplug B source reads machines, times and programs from the protocol: see sparkplug.machine and "
                    + "sparkplug.part_program"
            ),
            ("name: a\ntopic: [t\n", "x.yaml:3:1: YAML: did not find expected ',' or ']'"),
        ])
    func broken(_ yaml: String, _ expected: String) {
        #expect(throws: DescriptionError.self) { try MessageSource.parse(yaml: yaml, file: "x.yaml") }
        do {
            _ = try MessageSource.parse(yaml: yaml, file: "x.yaml")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("a Sparkplug B source: its groups' topics, the machine a device, the program a metric")
    func sparkplug() throws {
        let source = try MessageSource.parse(
            yaml: "name: cells\ntopic: spBv1.0/plant1/#\nsparkplug:\n  machine: edge_node\n  part_program: Program\n", file: "x.yaml")
        #expect(source.sparkplug == SparkplugLayout(machine: .edgeNode, partProgramMetric: "Program"))
        #expect(source.topic.matches("spBv1.0/plant1/DDATA/lineA/CNC101"))
        let defaults = try MessageSource.parse(yaml: "name: all\ntopic: spBv1.0/#\nsparkplug: {}\n", file: "x.yaml")
        #expect(defaults.sparkplug == SparkplugLayout(machine: .device, partProgramMetric: nil))
    }

    @Test("a catalog matches a topic to the first source in file order; without a directory it is the envelope on MQTT_TOPIC")
    func catalog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.hall.write(toFile: "\(directory)/a-hall.yaml", atomically: true, encoding: .utf8)
        try "name: all_plant\ntopic: plant/#\nqos: 1\n".write(toFile: "\(directory)/b-all.yaml", atomically: true, encoding: .utf8)
        try "name: hall1\ntopic: x\n".write(toFile: "\(directory)/c-twice.yaml", atomically: true, encoding: .utf8)
        try "just text".write(toFile: "\(directory)/notes.txt", atomically: true, encoding: .utf8)
        let (catalog, errors) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC")
        #expect(errors.map(\.description) == ["\(directory)/c-twice.yaml: name: hall1 is described in \(directory)/a-hall.yaml already"])
        #expect(catalog.sources.map(\.name) == ["hall1", "all_plant"])
        #expect(catalog.source(for: "plant/h/l/CNC1/data") == 0)
        #expect(catalog.source(for: "plant/other") == 1)
        #expect(catalog.source(for: "sensor/CNC") == nil)
        #expect(catalog.subscriptions(defaultQoS: 2) == ["plant/+/+/+/data": 0, "plant/#": 1])

        // A file that breaks keeps its former source in force.
        try "name: hall1\ntopic: [".write(toFile: "\(directory)/a-hall.yaml", atomically: true, encoding: .utf8)
        let (reloaded, reloadErrors) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC", keeping: catalog)
        #expect(reloaded.sources.map(\.name) == ["hall1", "all_plant"])
        #expect(reloadErrors.count == 2)

        let (plain, none) = SourceCatalog.load(directory: nil, defaultTopic: "$share/g/sensor/CNC")
        #expect(none.isEmpty)
        #expect(plain.sources.map(\.layout) == [.envelope])
        #expect(plain.subscriptions(defaultQoS: 1) == ["$share/g/sensor/CNC": 1])
        #expect(plain.source(for: "sensor/CNC") == 0)
        let (_, missing) = SourceCatalog.load(directory: "\(directory)/nope", defaultTopic: "sensor/CNC")
        #expect(missing.map(\.reason) == ["no such directory (MES_SOURCES_DIR)"])
    }

    @Test("a source reader reads a flat message of a topic-per-machine plant")
    func reader() throws {
        let catalog = SourceCatalog(sources: [try MessageSource.parse(yaml: Self.hall, file: "hall.yaml")])
        let reader = SourceReader(catalog, limits: ValidationLimits())
        let raw = Array(#"{"status":"running","ts":"2025-12-06T03:00:05.5Z","spin":"1200","program":null}"#.utf8)
        let fields = try reader.read(raw, topic: "plant/hall1/line2/CNC013/data").get()
        #expect(fields.cncID == "CNC013" && fields.partProgram == nil && fields.timestamp == 1_764_990_005_500_000)
        #expect(fields.builtPayload.map { String(decoding: $0, as: UTF8.self) } == #"{"status":"running","spin":"1200"}"#)
        #expect(fields.tags == [MachineTag(name: "site", value: "hall1"), MachineTag(name: "line", value: "line2")])
        #expect(
            reader.read(raw, topic: "plant/hall1/line2/CNC 13/data").map(\.cncID)
                == .failure(ValidationFailure(reason: "topic level 4 has characters outside A-Z a-z 0-9 . _ : -", cncID: "")))
        #expect(
            reader.read(raw, topic: "elsewhere")
                == .failure(ValidationFailure(reason: #"no source reads topic "elsewhere""#, cncID: "")))
        let noTime = Array(#"{"status":"idle"}"#.utf8)
        #expect(
            reader.read(noTime, topic: "plant/h/l/CNC1/data")
                == .failure(ValidationFailure(reason: #"missing field "ts""#, cncID: "CNC1")))
    }
}
