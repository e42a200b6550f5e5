import Foundation
import Testing

/// ingest against a broker of the test's own, which the test restarts or locks down.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct BrokerTests {
    @Test("ingest reconnects after a broker restart, re-subscribes, and gets what the session queued meanwhile", arguments: ["3.1.1", "5"])
    func brokerRestart(protocolVersion: String) throws {
        let pipeline = try PipelineHarness()
        let broker = try PrivateBroker(directory: "\(pipeline.directory)/broker")
        pipeline.overrides = ["MQTT_URL": broker.url, "MQTT_PROTOCOL": protocolVersion]
        try pipeline.startPipeline()
        try pipeline.emulator(["--count", "200", "--machines", "20"])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 200) == 200, "\(pipeline.logs())")

        broker.stop()
        #expect(pipeline.stages["ingest"]!.waitForLog("connection to the broker lost"), "\(pipeline.logs())")
        try broker.start()
        let ingest = pipeline.stages["ingest"]!
        let deadline = Date().addingTimeInterval(30)
        while ingest.log.components(separatedBy: "connected and subscribed").count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(ingest.log.components(separatedBy: "connected and subscribed").count == 3, "\(pipeline.logs())")
        try pipeline.emulator(["--count", "200", "--machines", "20", "--seed", "2"])
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 400) == 400, "\(pipeline.logs())")

        // Messages published while ingest is down wait in its session.
        pipeline.stages["ingest"]!.signal(SIGTERM)
        #expect(pipeline.stages["ingest"]!.waitForExit() == 0)
        try pipeline.emulator(["--count", "150", "--machines", "20", "--seed", "3"])
        try pipeline.startIngest()
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 550) == 550, "\(pipeline.logs())")
        #expect(try pipeline.database.waitForStableCount("SELECT count(*) FROM cnc_data") == 550)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("ingest logs in with the user and password of MQTT_URL; a wrong password is refused and logged")
    func credentials() throws {
        let pipeline = try PipelineHarness()
        let brokerDirectory = "\(pipeline.directory)/broker"
        try FileManager.default.createDirectory(atPath: brokerDirectory, withIntermediateDirectories: true)
        try Self.run("/usr/bin/mosquitto_passwd", ["-c", "-b", "\(brokerDirectory)/passwords", "plant", "s3cret:pass@word"])
        let broker = try PrivateBroker(directory: brokerDirectory, extraConfiguration: ["password_file \(brokerDirectory)/passwords"])

        pipeline.overrides = ["MQTT_URL": "mqtt://plant:wrong@127.0.0.1:\(broker.port)"]
        let refused = try pipeline.start("ingest-refused", "ingest")
        #expect(refused.waitForLog("broker refused the connection"), "\(pipeline.logs())")
        #expect(!refused.log.contains("wrong"), "the password must not appear in logs")
        refused.signal(SIGTERM)
        #expect(refused.waitForExit() == 0)

        // Percent-escapes let a password hold ':' and '@'.
        pipeline.overrides = ["MQTT_URL": "mqtt://plant:s3cret%3Apass%40word@127.0.0.1:\(broker.port)"]
        try pipeline.startPipeline()
        try pipeline.publish(PipelineTests.sampleLines)
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        #expect(!pipeline.logs().contains("s3cret"))
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("ingest and the emulator speak TLS (mqtts://) to a broker whose CA they are given; an unknown CA is refused")
    func tls() throws {
        let pipeline = try PipelineHarness()
        let directory = "\(pipeline.directory)/tls"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.makeCertificates(in: directory, names: ["ca", "server"])
        try Self.makeCertificates(in: directory, names: ["other-ca"])
        try Self.run("/usr/bin/mosquitto_passwd", ["-c", "-b", "\(directory)/passwords", "plant", "tls-pass"])
        let broker = try PrivateBroker(
            directory: "\(pipeline.directory)/broker",
            extraConfiguration: [
                "cafile \(directory)/ca.crt", "certfile \(directory)/server.crt", "keyfile \(directory)/server.key",
                "password_file \(directory)/passwords",
            ])

        pipeline.overrides = ["MQTT_URL": "mqtts://plant:tls-pass@127.0.0.1:\(broker.port)", "MQTT_CA_FILE": "\(directory)/other-ca.crt"]
        let untrusted = try pipeline.start("ingest-untrusted", "ingest")
        #expect(untrusted.waitForLog("broker connection failed") || untrusted.waitForLog("cannot reach the broker"), "\(pipeline.logs())")
        #expect(!untrusted.log.contains("connected and subscribed"))
        untrusted.signal(SIGTERM)
        #expect(untrusted.waitForExit() == 0)

        pipeline.overrides["MQTT_CA_FILE"] = "\(directory)/ca.crt"
        try pipeline.startPipeline()
        try pipeline.publish(PipelineTests.sampleLines)
        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 3) == 3, "\(pipeline.logs())")
        #expect(!pipeline.logs().contains("tls-pass"), "the password must not appear in logs")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    /// A CA (`names[0]`), and for each further name a key and a certificate for 127.0.0.1 signed by it.
    static func makeCertificates(in directory: String, names: [String]) throws {
        let ca = names[0]
        try run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cnc-collector test \(ca)",
                "-keyout", "\(directory)/\(ca).key", "-out", "\(directory)/\(ca).crt",
            ])
        for name in names.dropFirst() {
            try run(
                "/usr/bin/openssl",
                [
                    "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr",
                ])
            try run(
                "/usr/bin/openssl",
                [
                    "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", "\(directory)/\(ca).crt", "-CAkey", "\(directory)/\(ca).key",
                    "-CAcreateserial", "-days", "2", "-copy_extensions", "copy", "-out", "\(directory)/\(name).crt",
                ])
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        try ChildProcess.run(executable, arguments)
    }
}
