import Foundation
import LibPQ
import Testing

/// The deployments' trust boundaries: the broker as they configure it (users and passwords,
/// deploy/mosquitto.acl, TLS with the certificates scripts/broker-user.sh makes), and the
/// database roles (the owner migrates, the sink writes as cnc_sink, the board reads).
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct LeastPrivilegeTests {
    static var brokerUserScript: String { "\(TestEnvironment.packageDirectory)/scripts/broker-user.sh" }

    /// The sample messages: CNC001's two and CNC002's one.
    static var sampleLines: [String] {
        get throws {
            try String(contentsOfFile: "\(TestEnvironment.packageDirectory)/sample_data/sample_data.json", encoding: .utf8)
                .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
    }

    /// A broker configured as the compose deployment's (TLS only), with the users `init` makes and
    /// the machine CNC001, whose password is in AUTH/CNC001.password.
    static func shippedBroker(_ pipeline: PipelineHarness) throws -> (broker: PrivateBroker, auth: String) {
        let auth = "\(pipeline.directory)/auth"
        try ChildProcess.run("/bin/bash", [brokerUserScript, "--dir", auth, "init"])
        try ChildProcess.run("/bin/bash", ["-c", #""$0" --dir "$1" add CNC001 >"$1/CNC001.password""#, brokerUserScript, auth])
        let broker = try PrivateBroker(
            directory: "\(pipeline.directory)/broker",
            extraConfiguration: [
                "cafile \(auth)/ca.crt", "certfile \(auth)/server.crt", "keyfile \(auth)/server.key", "tls_version tlsv1.2",
                "password_file \(auth)/passwd", "acl_file \(TestEnvironment.packageDirectory)/deploy/mosquitto.acl",
            ])
        return (broker, auth)
    }

    /// Migrations as the owner (the test cluster's superuser), then the deployments' login roles.
    static func migrateAndMakeRoles(_ database: TestDatabase) throws {
        try ChildProcess.run(
            "\(TestEnvironment.binaryDirectory)/mesctl",
            ["migrate", "--database-url", database.url, "--migrations", "\(TestEnvironment.packageDirectory)/migrations"])
        _ = try database.connect().execute(try String(contentsOfFile: "\(TestEnvironment.packageDirectory)/deploy/roles.sql", encoding: .utf8))
    }

    static func url(_ database: TestDatabase, role: String) -> String {
        database.url.replacingOccurrences(of: "//postgres@", with: "//\(role)@")
    }

    @Test("the shipped broker refuses a client without a user; a machine's message on another's topic never arrives; ingest reads over TLS")
    func shippedBroker() throws {
        let pipeline = try PipelineHarness()
        let (broker, auth) = try Self.shippedBroker(pipeline)
        defer { broker.stop() }
        let port = String(broker.port)

        #expect(throws: HarnessError.self, "a client without a user must be refused") {
            try ChildProcess.run(
                "/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", port, "--cafile", "\(auth)/ca.crt", "-q", "1", "-t", "sensor/CNC", "-m", "{}"])
        }
        #expect(throws: HarnessError.self, "a wrong password must be refused") {
            try ChildProcess.run(
                "/usr/bin/mosquitto_pub",
                [
                    "-h", "127.0.0.1", "-p", port, "--cafile", "\(auth)/ca.crt", "-u", "CNC001", "-P", "wrong", "-t", "machines/CNC001/data", "-m",
                    "{}",
                ])
        }

        // The sink as the deployments run it: as cnc_sink, after the owner migrated.
        try Self.migrateAndMakeRoles(pipeline.database)
        pipeline.overrides["DATABASE_URL"] = Self.url(pipeline.database, role: "cnc_sink")
        pipeline.overrides["MQTT_URL"] = "mqtts://cnc-ingest@127.0.0.1:\(port)"
        pipeline.overrides["MQTT_PASSWORD_FILE"] = "\(auth)/clients/cnc-ingest/password"
        pipeline.overrides["MQTT_CA_FILE"] = "\(auth)/ca.crt"
        pipeline.overrides["MES_SOURCES_DIR"] = "\(TestEnvironment.packageDirectory)/deploy/sources"
        try pipeline.startPipeline()

        // CNC001 publishes every sample flat on machines/<cnc_id>/data: CNC002's is refused by
        // the ACL (MQTT 3.1.1 acknowledges it all the same) and never reaches ingest.
        pipeline.overrides["MQTT_URL"] = "mqtts://CNC001@127.0.0.1:\(port)"
        pipeline.overrides["MQTT_PASSWORD_FILE"] = "\(auth)/CNC001.password"
        try pipeline.publish(try Self.sampleLines, arguments: ["--topic", "machines/{cnc_id}/data", "--flat"])
        // The demo's gateway publishes the envelope on sensor/CNC, where it may.
        pipeline.overrides["MQTT_URL"] = "mqtts://cnc-demo@127.0.0.1:\(port)"
        pipeline.overrides["MQTT_PASSWORD_FILE"] = "\(auth)/clients/cnc-demo/password"
        try pipeline.publish(try Self.sampleLines, arguments: ["--topic", "sensor/CNC"])

        #expect(try pipeline.database.waitForCount("SELECT count(*) FROM cnc_data", toReach: 5) == 5, "\(pipeline.logs())")
        #expect(try pipeline.database.waitForStableCount("SELECT count(*) FROM cnc_data") == 5, "\(pipeline.logs())")
        let byMachine = try pipeline.database.rows("SELECT cnc_id || ':' || count(*) FROM cnc_data GROUP BY cnc_id ORDER BY cnc_id")
        #expect(byMachine == [["CNC001:4"], ["CNC002:1"]], "CNC001's two flat rows and the gateway's three")
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages") == 0)
        let password = try String(contentsOfFile: "\(auth)/clients/cnc-ingest/password", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!pipeline.logs().contains(password), "the password must not appear in logs")
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs())")
    }

    @Test("cnc_sink writes rows and keeps day partitions, but may not change the schema; cnc_board may not write")
    func databaseRoles() throws {
        let database = try TestDatabase()
        try Self.migrateAndMakeRoles(database)

        let sink = try PostgresConnection(conninfo: Self.url(database, role: "cnc_sink"))
        let made = try sink.execute("SELECT * FROM ensure_day_partitions(ARRAY[date '2001-02-03'])").compactMap { $0.first ?? nil }
        #expect(made == ["cnc_data_p20010203", "machine_state_p20010203"])
        _ = try sink.execute("INSERT INTO machine_types (cnc_type, offline_after) VALUES ('LeastPrivilege', interval '1 minute')")
        _ = try sink.execute("DELETE FROM machine_types WHERE cnc_type = 'LeastPrivilege'")
        let dropped = try sink.execute("SELECT * FROM drop_day_partitions_before(timestamptz '2001-02-05')").compactMap { $0.first ?? nil }
        #expect(dropped == made)
        for statement in [
            "DROP TABLE part_program_cycle_times", "CREATE TABLE sink_was_here (a int)", "ALTER TABLE cnc_data ADD COLUMN sink_was_here int",
            "TRUNCATE rejected_messages", "INSERT INTO schema_migrations (version, checksum) VALUES ('999', 'x')",
        ] {
            #expect(Self.sqlState(sink, statement) == "42501", "cnc_sink: \(statement)")
        }

        let board = try PostgresConnection(conninfo: Self.url(database, role: "cnc_board"))
        _ = try board.execute("SELECT count(*) FROM machine_current")
        for statement in [
            "INSERT INTO part_program_cycle_times VALUES ('P1', 10)", "DELETE FROM machine_current",
            "SELECT * FROM ensure_day_partitions(ARRAY[date '2001-02-03'])",
        ] {
            #expect(Self.sqlState(board, statement) == "42501", "cnc_board: \(statement)")
        }
    }

    /// The SQLSTATE a statement fails with; nil when it succeeds.
    static func sqlState(_ connection: PostgresConnection, _ statement: String) -> String? {
        do {
            _ = try connection.execute(statement)
            return nil
        } catch {
            return error.sqlState ?? "?"
        }
    }
}
