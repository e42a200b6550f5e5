import DescriptionFiles
import Foundation
import HTTPFetch
import Testing

@testable import MessageSources

@Suite("MTConnect agent descriptions")
struct AgentSourceTests {
    @Test("an agent: its address, which name makes the machine, the devices, and the waits, with defaults")
    func agent() throws {
        let source = try AgentSource.parse(
            yaml: """
                name: haas_line
                description: The Haas line's controls, their own agents
                mtconnect:
                  agent: http://10.1.2.3:8082/
                  machine: uuid
                  devices: [VF2-1, VF2-2]
                  interval_ms: 500
                  count: 2000
                  timeout_ms: 3000
                """, file: "haas.yaml")
        #expect(source.name == "haas_line")
        #expect(source.agent == HTTPFetcher.Address(host: "10.1.2.3", port: 8082))
        #expect(source.machine == .uuid)
        #expect(source.devices == ["VF2-1", "VF2-2"])
        #expect(source.intervalMilliseconds == 500)
        #expect(source.count == 2000)
        #expect(source.timeoutMilliseconds == 3000)
        let plain = try AgentSource.parse(yaml: "name: one\nmtconnect: {agent: \"http://agent:5000\"}\n", file: "one.yaml")
        #expect(plain.machine == .name && plain.devices == nil)
        #expect(plain.intervalMilliseconds == 1_000 && plain.count == 1_000 && plain.timeoutMilliseconds == 10_000)
    }

    @Test(
        "mistakes name the file, the line and the field",
        arguments: [
            ("name: a\nmtconnect: {machine: name}\n", "a.yaml:2:12: mtconnect.agent: missing: the agent's address, http://HOST:PORT"),
            (
                "name: a\nmtconnect: {agent: \"https://x\"}\n",
                "a.yaml:2:20: mtconnect.agent: https://x: https is not supported; the agent must be reached by http://"
            ),
            ("name: a\nmtconnect: {agent: \"http://x\", machine: serial}\n", "a.yaml:2:41: mtconnect.machine: \"serial\" is not name or uuid"),
            ("name: a\nmtconnect: {agent: \"http://x\", count: 0}\n", "a.yaml:2:39: mtconnect.count: must be a whole number above 0"),
            ("name: a\nmtconnect: {agent: \"http://x\", interval_ms: 5}\n", "a.yaml:2:45: mtconnect.interval_ms: must be 10 to 3600000"),
            (
                "name: a\ntopic: x\nmtconnect: {agent: \"http://x\"}\n",
                "a.yaml:2:1: topic: unknown key; the keys here are name, description, mtconnect"
            ),
            (
                "name: a\nmtconnect: {agent: \"http://x\", devices: []}\n",
                "a.yaml:2:41: mtconnect.devices: must be a list of device names, e.g. [VF2-1, VF2-2]"
            ),
        ])
    func mistakes(_ yaml: String, _ message: String) {
        #expect(throws: DescriptionError.self) { try AgentSource.parse(yaml: yaml, file: "a.yaml") }
        do {
            _ = try AgentSource.parse(yaml: yaml, file: "a.yaml")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("a directory of sources and agents: ingest's sources, the mtconnect stage's agents, one name each across both")
    func catalog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agents-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "name: hall\ntopic: plant/#\n".write(toFile: "\(directory)/a-hall.yaml", atomically: true, encoding: .utf8)
        try "name: mills\nmtconnect: {agent: \"http://127.0.0.1:5000\"}\n".write(
            toFile: "\(directory)/b-mills.yaml", atomically: true, encoding: .utf8)
        try "name: hall\nmtconnect: {agent: \"http://127.0.0.1:5001\"}\n".write(
            toFile: "\(directory)/c-twice.yaml", atomically: true, encoding: .utf8)
        let (catalog, errors) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC")
        #expect(catalog.sources.map(\.name) == ["hall"])
        #expect(catalog.agents.map(\.name) == ["mills"])
        #expect(errors.map(\.description) == ["\(directory)/c-twice.yaml: name: hall is described in \(directory)/a-hall.yaml already"])

        // An agent's file that breaks keeps its former description in force.
        try "name: mills\nmtconnect: {agent: 5}\n".write(toFile: "\(directory)/b-mills.yaml", atomically: true, encoding: .utf8)
        let (reloaded, reloadErrors) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC", keeping: catalog)
        #expect(reloaded.agents == catalog.agents)
        #expect(reloadErrors.count == 2)
        // A kept description meets the same check of names as a read one: a file before it that took its name wins.
        try "name: mills\nmtconnect: {agent: \"http://127.0.0.1:5002\"}\n".write(
            toFile: "\(directory)/a-mills.yaml", atomically: true, encoding: .utf8)
        let (renamed, renamedErrors) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC", keeping: catalog)
        #expect(renamed.agents.map(\.file) == ["\(directory)/a-mills.yaml"])
        let duplicate = "\(directory)/b-mills.yaml: name: mills is described in \(directory)/a-mills.yaml already"
        #expect(renamedErrors.contains { $0.description == duplicate })
        try FileManager.default.removeItem(atPath: "\(directory)/a-mills.yaml")
        // Only agents: ingest keeps the default source on MQTT_TOPIC.
        try FileManager.default.removeItem(atPath: "\(directory)/a-hall.yaml")
        try FileManager.default.removeItem(atPath: "\(directory)/c-twice.yaml")
        let (agentsOnly, _) = SourceCatalog.load(directory: directory, defaultTopic: "sensor/CNC", keeping: catalog)
        #expect(agentsOnly.sources.map(\.layout) == [.envelope])
        #expect(agentsOnly.agents.map(\.name) == ["mills"])
    }
}
