import Foundation

/// The servers and binaries that `scripts/test.sh` provides to the integration tests.
enum TestEnvironment {
    static var mqttURL: String? { value("TEST_MQTT_URL") }
    static var databaseURL: String? { value("TEST_DATABASE_URL") }

    /// Integration tests run when the test command has started the servers.
    static var isAvailable: Bool { mqttURL != nil && databaseURL != nil }

    static var packageDirectory: String {
        value("CNC_PACKAGE_DIR")
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    static var binaryDirectory: String {
        value("CNC_BIN_DIR") ?? "\(packageDirectory)/.build/debug"
    }

    /// A short base for `ipc://` paths (the kernel limits socket paths to 107 bytes).
    static var runtimeBase: String {
        value("TEST_RUNTIME_DIR") ?? NSTemporaryDirectory()
    }

    private static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
