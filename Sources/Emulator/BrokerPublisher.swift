import CollectorCore
import Mosquitto
import StageRuntime

/// A QoS 1/2 publisher on one thread: connects, keeps at most `maxInFlight` publishes
/// unacknowledged, and waits for the broker's acknowledgements. The emulator and `mesctl
/// replay` publish through it.
package final class BrokerPublisher {
    private let client: MQTTClient
    private let maxInFlight: Int
    package private(set) var published = 0
    package private(set) var acknowledged = 0

    /// Connects, or throws after 10 s or when `stop` is requested.
    package init(broker: MQTTURL, clientID: String, tls: MQTTClient.TLS?, maxInFlight: Int, stop: StopSignal) throws {
        self.maxInFlight = maxInFlight
        client = try MQTTClient(
            options: .init(
                clientID: clientID, cleanSession: true, username: broker.username, password: broker.password, tls: tls,
                sendMaximum: Int32(min(maxInFlight, 65_535))
            ))
        var connected = false
        var refused: String?
        client.onConnect = { code, reason in
            if code == 0 { connected = true } else { refused = reason }
        }
        client.onPublish = { [unowned self] _ in acknowledged += 1 }
        try client.connect(host: broker.host, port: broker.port)
        let deadline = monotonicMilliseconds() + 10_000
        while !connected {
            if let refused { throw SettingError(reason: "broker refused the connection: \(refused)") }
            guard monotonicMilliseconds() < deadline, !stop.isRequested else {
                throw SettingError(reason: "could not connect to \(broker) within 10 s")
            }
            try client.loop(timeoutMilliseconds: 100)
        }
    }

    /// Runs the network loop for up to `milliseconds` (acknowledgements arrive here).
    package func wait(milliseconds: Int32) throws {
        try client.loop(timeoutMilliseconds: milliseconds)
    }

    /// Publishes once fewer than `maxInFlight` publishes are unacknowledged.
    package func publish(topic: String, payload: [UInt8], qos: Int32, stop: StopSignal) throws {
        while published - acknowledged >= maxInFlight && !stop.isRequested {
            try client.loop(timeoutMilliseconds: 10)
        }
        try client.publish(topic: topic, payload: payload, qos: qos)
        published += 1
        // Let libmosquitto write and read without waiting, so acknowledgements keep flowing.
        if published % 64 == 0 { try client.loop(timeoutMilliseconds: 0) }
    }

    /// Waits up to 30 s for every acknowledgement; true when all came.
    package func drain() throws -> Bool {
        let deadline = monotonicMilliseconds() + 30_000
        while acknowledged < published && monotonicMilliseconds() < deadline {
            try client.loop(timeoutMilliseconds: 50)
        }
        return acknowledged >= published
    }

    package func disconnect() {
        client.disconnect()
        try? client.loop(timeoutMilliseconds: 50)
    }
}
