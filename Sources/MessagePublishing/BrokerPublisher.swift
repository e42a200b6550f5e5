import CollectorCore
import Logging
import Mosquitto
import StageRuntime

/// A QoS 1/2 publisher on one thread: connects, keeps at most `maxInFlight` publishes
/// unacknowledged, and waits for the broker's acknowledgements. The emulator and `mesctl
/// replay` publish through it.
///
/// Given a `reconnectLogger` (the emulator), it rides out the broker's absence as a machine's
/// data service would: a lost connection is made again every second until it comes back or
/// `stop` is requested, and libmosquitto sends the publishes the broker had not acknowledged
/// once more after the new CONNACK. Without one, a lost connection ends the run.
///
/// Not thread-safe: use it on the thread that made it; libmosquitto's callbacks run inside its calls.
package final class BrokerPublisher {
    private let client: MQTTClient
    private let maxInFlight: Int
    private let stop: StopSignal
    private let reconnectLogger: Logger?
    private var connected = false
    private var refused: String?
    /// Publishes handed to libmosquitto, those queued while the connection was lost included.
    package private(set) var published = 0
    /// Publishes libmosquitto reported done: acknowledged by the broker at QoS 1/2, written out at QoS 0.
    package private(set) var acknowledged = 0
    /// Connections lost and made again.
    package private(set) var reconnects = 0

    /// Connects, or throws after 10 s or when `stop` is requested, and at once when the broker refuses the connection.
    /// `maxInFlight` (at most 65535) is also libmosquitto's send maximum, whose default of 20 would hold publishes back.
    package init(
        broker: MQTTURL, clientID: String, tls: MQTTClient.TLS?, maxInFlight: Int, stop: StopSignal, reconnectLogger: Logger? = nil
    ) throws {
        self.maxInFlight = maxInFlight
        self.stop = stop
        self.reconnectLogger = reconnectLogger
        client = try MQTTClient(
            options: .init(
                clientID: clientID, cleanSession: true, username: broker.username, password: broker.password, tls: tls,
                sendMaximum: Int32(min(maxInFlight, 65_535))
            ))
        client.onConnect = { [unowned self] code, reason in
            if code == 0 { connected = true } else { refused = reason }
        }
        client.onDisconnect = { [unowned self] _ in connected = false }
        client.onPublish = { [unowned self] _ in acknowledged += 1 }
        try client.connect(host: broker.host, port: broker.port)
        guard try awaitConnack() else { throw SettingError(reason: "could not connect to \(broker) within 10 s") }
    }

    /// Runs the network loop until the broker's CONNACK: false after 10 s or when `stop` is requested.
    private func awaitConnack() throws -> Bool {
        let deadline = monotonicMilliseconds() + 10_000
        while !connected {
            if let refused { throw SettingError(reason: "broker refused the connection: \(refused)") }
            guard monotonicMilliseconds() < deadline, !stop.isRequested else { return false }
            try client.loop(timeoutMilliseconds: 100)
        }
        return true
    }

    /// Runs the network loop for up to `milliseconds` (acknowledgements arrive here).
    package func wait(milliseconds: Int32) throws {
        do throws(MQTTError) {
            try client.loop(timeoutMilliseconds: milliseconds)
        } catch {
            guard error.isConnectionLoss, reconnectLogger != nil else { throw error }
            try reconnect(after: error)
        }
    }

    /// Connects again every second until the broker answers; rethrows `loss` when `stop` comes first.
    private func reconnect(after loss: MQTTError) throws {
        reconnectLogger?.warning("lost the broker; reconnecting every second", metadata: ["error": "\(loss)"])
        connected = false
        var attempts = 0
        while !stop.sleep(milliseconds: 1_000) {
            attempts += 1
            do {
                try client.reconnect()
                if try awaitConnack() {
                    reconnects += 1
                    reconnectLogger?.info(
                        "reconnected to the broker",
                        metadata: ["attempts": "\(attempts)", "unacknowledged": "\(published - acknowledged)"])
                    return
                }
            } catch let error as MQTTError where error.isConnectionLoss {
                continue
            }
        }
        throw loss
    }

    /// Publishes once fewer than `maxInFlight` publishes are unacknowledged (or once `stop` is requested), blocking until then.
    /// Throws the client's error; with a `reconnectLogger`, a connection lost at QoS 1/2 is reconnected instead.
    package func publish(topic: String, payload: [UInt8], qos: Int32, stop: StopSignal) throws {
        while published - acknowledged >= maxInFlight && !stop.isRequested {
            try wait(milliseconds: 10)
        }
        do throws(MQTTError) {
            try client.publish(topic: topic, payload: payload, qos: qos)
        } catch {
            guard error.isConnectionLoss, reconnectLogger != nil, qos > 0 else { throw error }
            // libmosquitto has queued it all the same, and sends it once connected again.
            published += 1
            try reconnect(after: error)
            return
        }
        published += 1
        // Let libmosquitto write and read without waiting, so acknowledgements keep flowing.
        if published % 64 == 0 { try wait(milliseconds: 0) }
    }

    /// Waits up to 30 s for every acknowledgement (longer while a reconnect is under way); true when all came.
    package func drain() throws -> Bool {
        let deadline = monotonicMilliseconds() + 30_000
        while acknowledged < published && monotonicMilliseconds() < deadline {
            try wait(milliseconds: 50)
        }
        return acknowledged >= published
    }

    /// Sends DISCONNECT and runs the network loop up to 50 ms so that it goes out; never throws.
    package func disconnect() {
        client.disconnect()
        try? client.loop(timeoutMilliseconds: 50)
    }
}
