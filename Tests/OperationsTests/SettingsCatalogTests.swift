import ArgumentParser
import Foundation
import TestSupport
import Testing

@testable import Board
@testable import Ingest
@testable import MTConnectSource
@testable import Operations
@testable import Router
@testable import Sink
@testable import StageRuntime
@testable import Worker

@Suite("Settings catalog")
struct SettingsCatalogTests {
    @Test("docs/configuration.md shows every setting as its description says")
    func documentMatches() throws {
        let path = Fixtures.packageRoot.appendingPathComponent("docs/configuration.md").path
        let document = try String(contentsOfFile: path, encoding: .utf8)
        let updated = try SettingsTable.update(document: document)
        #expect(updated == document, "docs/configuration.md is out of date: run `mesctl settings --update docs/configuration.md`")
    }

    @Test("every setting is described once")
    func describedOnce() {
        let variables = SettingsCatalog.all.map(\.variable)
        #expect(Set(variables).count == variables.count)
    }

    @Test(
        "each stage and the board offer the flag of every setting they read that has one",
        arguments: ["ingest", "router", "worker", "sink", "board", "mtconnect"])
    func flagsOffered(stage: String) throws {
        let help =
            StageOptions.helpMessage() + [
                "ingest": IngestOptions.helpMessage(), "router": RouterOptions.helpMessage(), "worker": WorkerOptions.helpMessage(),
                "sink": SinkOptions.helpMessage(), "board": BoardOptions.helpMessage(), "mtconnect": MTConnectSourceOptions.helpMessage(),
            ][stage]!
        let settings = try #require(SettingsCatalog.executables.first { $0.name == stage }).settings
        for case let flag? in settings.map(\.flag) {
            #expect(help.contains("--\(flag) "), "\(stage) has no --\(flag)")
        }
    }

    @Test("check-config checks the range of every setting set in the environment")
    func checkConfigRanges() {
        let environment = SettingsEnvironment(["MQTT_QOS": "3", "MES_BATCH_SIZE": "0", "MQTT_KEEPALIVE": "30", "MES_LOG_FORMAT": "yaml"])
        let findings = ConfigurationCheck.run(
            mapPath: Fixtures.packageRoot.appendingPathComponent("deploy/cnc_types.json").path,
            typesDirectory: Fixtures.packageRoot.appendingPathComponent("deploy/types").path, connect: false, environment: environment)
        let errors = Dictionary(uniqueKeysWithValues: findings.filter { !$0.ok }.map { ($0.subject, $0.detail) })
        #expect(errors["MQTT_QOS"] == "MQTT_QOS=3: must be 0 to 2")
        #expect(errors["MES_BATCH_SIZE"] == "MES_BATCH_SIZE=0: must be 1 to 1000000 rows")
        #expect(errors["MES_LOG_FORMAT"] == "MES_LOG_FORMAT=yaml: must be text or json")
        #expect(findings.contains { $0.ok && $0.subject == "MQTT_KEEPALIVE" })
    }

    @Test("check-config prints a setting that holds a password with the password hidden")
    func checkConfigHidesPasswords() {
        let environment = SettingsEnvironment([
            "MQTT_URL": "mqtt://cnc-ingest:broker-secret@127.0.0.1:1883",
            "DATABASE_URL": "postgresql://cnc_sink:database-secret@127.0.0.1:5432/cnc",
        ])
        let findings = ConfigurationCheck.run(
            mapPath: Fixtures.packageRoot.appendingPathComponent("deploy/cnc_types.json").path,
            typesDirectory: Fixtures.packageRoot.appendingPathComponent("deploy/types").path, connect: false, environment: environment)
        let printed = findings.filter { $0.subject == "MQTT_URL" || $0.subject == "DATABASE_URL" }
        #expect(printed.count == 3)
        #expect(printed.allSatisfy { $0.ok && $0.detail.contains(Redaction.mask) })
        #expect(!findings.contains { $0.detail.contains("broker-secret") || $0.detail.contains("database-secret") })
    }
}

@Suite("check-config and sources")
struct CheckConfigSourcesTests {
    @Test("check-config lists the message sources in force, and names a broken description")
    func sources() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "name: plant\ntopic: plant/{cnc_id}/data\npayload: rest\n".write(toFile: "\(directory)/plant.yaml", atomically: true, encoding: .utf8)
        try "name: broken\ntopic: plant/{cnc_id}\ntime: {field: t, format: iso}\n".write(
            toFile: "\(directory)/broken.yaml", atomically: true, encoding: .utf8)
        let findings = ConfigurationCheck.run(
            mapPath: Fixtures.packageRoot.appendingPathComponent("deploy/cnc_types.json").path,
            typesDirectory: Fixtures.packageRoot.appendingPathComponent("deploy/types").path, connect: false,
            environment: SettingsEnvironment(["MES_SOURCES_DIR": directory]))
        #expect(findings.contains { $0.ok && $0.subject == "message source plant" && $0.detail == "plant/+/data from \(directory)/plant.yaml" })
        #expect(
            findings.contains {
                !$0.ok && $0.detail == #"\#(directory)/broken.yaml:3:26: time.format: "iso" is not one of auto, unix_s, unix_ms, rfc3339"#
            })
        let plain = ConfigurationCheck.run(
            mapPath: Fixtures.packageRoot.appendingPathComponent("deploy/cnc_types.json").path,
            typesDirectory: Fixtures.packageRoot.appendingPathComponent("deploy/types").path, connect: false, environment: SettingsEnvironment([:]))
        #expect(plain.contains { $0.ok && $0.subject == "message source default" && $0.detail == "sensor/CNC (the original envelope on MQTT_TOPIC)" })
    }
}

@Suite("mesctl help")
struct MesctlHelpTests {
    @Test("every command's help prints each option's text, never a help value's description")
    func helpIsText() {
        let commands: [any ParsableCommand.Type] = [
            StatusCommand.self, CheckConfigCommand.self, RejectedCommand.self, ReplayCommand.self, DriftCommand.self, TryTypeCommand.self,
            TrySourceCommand.self, SettingsCommand.self,
        ]
        for command in commands {
            let help = command.helpMessage(columns: 200)
            #expect(!help.contains("ArgumentHelp("), "\(command): \(help)")
        }
        #expect(StatusCommand.helpMessage(columns: 200).contains("libpq connection string or URI"))
    }
}
