import CollectorCore
import Foundation
import Testing

/// More than one instance of a stage, and stages on different hosts.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct ScaleOutTests {
    @Test("two ingests share one subscription ($share): each message is taken by one of them and stored once", arguments: ["3.1.1", "5"])
    func sharedSubscription(protocolVersion: String) throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides = ["MQTT_TOPIC": "$share/cnc/\(pipeline.topic)", "MQTT_PROTOCOL": protocolVersion]
        try pipeline.start("sink", "sink")
        try pipeline.start("router", "router")
        try pipeline.start("worker-a", "worker", ["--type", "CNCTypeA"])
        try pipeline.start("worker-b", "worker", ["--type", "CNCTypeB"])
        for name in ["ingest-1", "ingest-2"] {
            pipeline.overrides["MQTT_CLIENT_ID"] = "\(pipeline.clientID)-\(name)"
            pipeline.overrides["MES_JOURNAL_DIR"] = "\(pipeline.directory)/journal-\(name)"
            let ingest = try pipeline.start(name, "ingest")
            #expect(ingest.waitForLog("connected and subscribed"), "\(pipeline.logs())")
        }
        pipeline.overrides["MQTT_TOPIC"] = pipeline.topic
        let count = 2_000, tag = "share-\(protocolVersion)"
        try pipeline.emulator(["--file", try FaultTests.numberedFile(pipeline, count: count, tag: tag)])
        try FaultTests.expectEveryNumberOnce(pipeline, count: count, tag: tag)
        let accepted = try ["ingest-1", "ingest-2"].map { name -> Int in
            pipeline.stages[name]!.signal(SIGTERM)
            #expect(pipeline.stages[name]!.waitForExit() == 0)
            let log = pipeline.stages[name]!.log
            return Int(log.components(separatedBy: "accepted=").last?.prefix { $0.isNumber } ?? "") ?? -1
        }
        #expect(accepted.allSatisfy { $0 > 0 } && accepted.reduce(0, +) == count - count / 10, "accepted per ingest: \(accepted)")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }
}
