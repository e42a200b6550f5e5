import CMosquitto
import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

/// A libmosquitto client driven by the thread that calls `loop`.
///
/// Callbacks run on that same thread, inside `loop`, so the client and everything its callbacks
/// touch belong to one thread; the type is not `Sendable` for that reason.
public final class MQTTClient {
    /// The MQTT version spoken; the raw value is how a setting names it.
    public enum ProtocolVersion: String, Sendable, CaseIterable {
        case v311 = "3.1.1"
        case v5 = "5"
    }

    /// TLS to the broker: the CA certificates that verify it, and optionally a client certificate.
    public struct TLS: Sendable {
        /// CA certificate file; nil uses `caDirectory`.
        public var caFile: String?
        /// Directory of CA certificates; when neither this nor `caFile` is given, `/etc/ssl/certs`.
        public var caDirectory: String?
        /// The client certificate (PEM) for a broker that asks for one, with `keyFile`; nil sends none.
        public var certificateFile: String?
        /// The private key of `certificateFile` (PEM); it must not be encrypted, since no password callback is set.
        public var keyFile: String?

        /// Every part optional: all nil verifies the broker against `/etc/ssl/certs` and sends no client certificate.
        public init(caFile: String? = nil, caDirectory: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.caDirectory = caDirectory
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// How the client connects; read once, when the client is made.
    public struct Options: Sendable {
        /// The MQTT client identifier; for a persistent session, it names the session on the broker.
        public var clientID: String
        /// False keeps the broker-side session (subscriptions and queued QoS 1/2 messages) across disconnects.
        public var cleanSession: Bool
        /// The MQTT version; default 3.1.1.
        public var protocolVersion: ProtocolVersion
        /// MQTT 5 only: how long the broker keeps the session after a disconnect.
        public var sessionExpirySeconds: UInt32
        /// The keep-alive interval in seconds, default 30: `loop` or `writeQueued` must run at least that often for the
        /// connection to stay up.
        public var keepAliveSeconds: Int32
        /// The broker login name; nil (default) sends none.
        public var username: String?
        /// The broker password; nil (default) sends none.
        public var password: String?
        /// TLS settings; nil (default) connects over plain TCP.
        public var tls: TLS?
        /// MQTT 5 only: QoS 1/2 messages the broker may have in flight to us.
        public var receiveMaximum: Int32?
        /// QoS 1/2 publishes we may have unacknowledged at once (libmosquitto's default is 20,
        /// which caps a publisher at one window per round trip).
        public var sendMaximum: Int32?
        /// Hold the acknowledgement (PUBACK, PUBREC) of a received message until `onMessage`
        /// has returned: it is written by the next `loop` call instead of before the callback.
        ///
        /// libmosquitto writes it before the callback unless told that the application is
        /// threaded (`mosquitto_threaded_set`); then it only queues it and wakes the loop. A
        /// receiver that stores each message inside `onMessage` thereby never acknowledges a
        /// message it has not stored.
        public var acknowledgeAfterCallback = false

        /// A persistent session (`cleanSession` false), MQTT 3.1.1 and a 30 s keep-alive unless told otherwise;
        /// `acknowledgeAfterCallback` (default false) is set on the value afterwards.
        public init(
            clientID: String, cleanSession: Bool = false, protocolVersion: ProtocolVersion = .v311,
            sessionExpirySeconds: UInt32 = 0, keepAliveSeconds: Int32 = 30, username: String? = nil,
            password: String? = nil, tls: TLS? = nil, receiveMaximum: Int32? = nil, sendMaximum: Int32? = nil
        ) {
            self.clientID = clientID
            self.cleanSession = cleanSession
            self.protocolVersion = protocolVersion
            self.sessionExpirySeconds = sessionExpirySeconds
            self.keepAliveSeconds = keepAliveSeconds
            self.username = username
            self.password = password
            self.tls = tls
            self.receiveMaximum = receiveMaximum
            self.sendMaximum = sendMaximum
        }
    }

    /// A received PUBLISH, copied out of libmosquitto's buffer (which is freed when the callback returns).
    public struct Message: Sendable {
        /// The topic it was published on.
        public var topic: String
        /// The payload bytes; empty for an empty payload.
        public var payload: [UInt8]
        /// The QoS it was delivered with: 0, 1 or 2.
        public var qos: Int32
        /// The retain flag as the broker delivered it.
        public var retain: Bool
    }

    /// Called after each CONNACK: `code` 0 is success, anything else the broker's refusal.
    public var onConnect: ((_ code: Int32, _ reason: String) -> Void)?
    /// Called when the connection ends; `expected` is true after our own `disconnect`.
    public var onDisconnect: ((_ expected: Bool) -> Void)?
    /// Called for each received PUBLISH, inside `loop` or `read`; with `acknowledgeAfterCallback`, its acknowledgement is
    /// written only after this has returned.
    public var onMessage: ((Message) -> Void)?
    /// Called when the broker has acknowledged a QoS 1/2 publish (or a QoS 0 one has been written).
    public var onPublish: ((_ messageID: Int32) -> Void)?

    private let handle: OpaquePointer
    private let options: Options

    private static let libraryInitialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    /// Makes a client with `options`; nothing is sent until `connect`. Throws when libmosquitto cannot make the client
    /// or refuses one of the options (a TLS file it cannot use, say).
    public init(options: Options) throws(MQTTError) {
        _ = Self.libraryInitialized
        self.options = options
        guard let handle = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError(
                call: "mosquitto_new", message: "could not create client (out of memory or invalid client id)", code: MOSQ_ERR_NOMEM.rawValue)
        }
        self.handle = handle
        // From here on `deinit` frees the handle if a configuration call below throws.
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        if options.protocolVersion == .v5 {
            try check("mosquitto_int_option(PROTOCOL_VERSION)", mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5))
            if let receiveMaximum = options.receiveMaximum {
                try check("mosquitto_int_option(RECEIVE_MAXIMUM)", mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, receiveMaximum))
            }
        }
        if options.acknowledgeAfterCallback {
            try check("mosquitto_threaded_set", mosquitto_threaded_set(handle, true))
        }
        if let sendMaximum = options.sendMaximum {
            try check("mosquitto_int_option(SEND_MAXIMUM)", mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, sendMaximum))
        }
        if options.username != nil || options.password != nil {
            try check("mosquitto_username_pw_set", mosquitto_username_pw_set(handle, options.username, options.password))
        }
        if let tls = options.tls {
            let caDirectory = tls.caFile == nil ? (tls.caDirectory ?? "/etc/ssl/certs") : tls.caDirectory
            try check("mosquitto_tls_set", mosquitto_tls_set(handle, tls.caFile, caDirectory, tls.certificateFile, tls.keyFile, nil))
        }
        mosquitto_connect_callback_set(handle) { _, object, code in
            let client = MQTTClient.from(object)
            client.onConnect?(code, String(cString: mosquitto_connack_string(code)))
        }
        mosquitto_disconnect_callback_set(handle) { _, object, code in
            MQTTClient.from(object).onDisconnect?(code == 0)
        }
        mosquitto_message_callback_set(handle) { _, object, message in
            guard let message = message?.pointee else { return }
            let payload: [UInt8] =
                if let bytes = message.payload, message.payloadlen > 0 {
                    Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
                } else {
                    []
                }
            let topic = message.topic.map { String(cString: $0) } ?? ""
            MQTTClient.from(object).onMessage?(Message(topic: topic, payload: payload, qos: message.qos, retain: message.retain))
        }
        mosquitto_publish_callback_set(handle) { _, object, messageID in
            MQTTClient.from(object).onPublish?(messageID)
        }
    }

    deinit {
        mosquitto_destroy(handle)
    }

    private static func from(_ object: UnsafeMutableRawPointer?) -> MQTTClient {
        Unmanaged<MQTTClient>.fromOpaque(object!).takeUnretainedValue()
    }

    /// Starts connecting; the outcome arrives through `onConnect` during `loop`.
    public func connect(host: String, port: Int32) throws(MQTTError) {
        if options.protocolVersion == .v5 {
            var properties: OpaquePointer?
            defer { mosquitto_property_free_all(&properties) }
            try check(
                "mosquitto_property_add_int32",
                mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), options.sessionExpirySeconds))
            try check("mosquitto_connect(\(host):\(port))", mosquitto_connect_bind_v5(handle, host, port, options.keepAliveSeconds, nil, properties))
        } else {
            try check("mosquitto_connect(\(host):\(port))", mosquitto_connect(handle, host, port, options.keepAliveSeconds))
        }
    }

    /// The message the broker publishes for this client should the connection end without a
    /// DISCONNECT (a crash, a cut cable); sent with every later CONNECT.
    public func setWill(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws(MQTTError) {
        let result = payload.withUnsafeBytes { mosquitto_will_set(handle, topic, Int32($0.count), $0.baseAddress, qos, retain) }
        try check("mosquitto_will_set(\(topic))", result)
    }

    /// Connects again with the same settings (and, for MQTT 5, the same CONNECT properties).
    public func reconnect() throws(MQTTError) {
        try check("mosquitto_reconnect", mosquitto_reconnect(handle))
    }

    /// Subscribes to `topicFilter` at `qos` (0, 1 or 2); returns without waiting for the broker's SUBACK.
    public func subscribe(_ topicFilter: String, qos: Int32) throws(MQTTError) {
        try check("mosquitto_subscribe(\(topicFilter))", mosquitto_subscribe(handle, nil, topicFilter, qos))
    }

    /// Ends a subscription: what the broker queued for it stays in the session and still arrives.
    public func unsubscribe(_ topicFilter: String) throws(MQTTError) {
        try check("mosquitto_unsubscribe(\(topicFilter))", mosquitto_unsubscribe(handle, nil, topicFilter))
    }

    /// Queues a publish; returns its message id, reported back through `onPublish` once done.
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws(MQTTError) -> Int32 {
        var messageID: Int32 = 0
        let result = payload.withUnsafeBytes {
            mosquitto_publish(handle, &messageID, topic, Int32($0.count), $0.baseAddress, qos, retain)
        }
        try check("mosquitto_publish(\(topic))", result)
        return messageID
    }

    /// Runs network I/O for up to `timeoutMilliseconds`; callbacks fire from inside this call.
    public func loop(timeoutMilliseconds: Int32) throws(MQTTError) {
        try check("mosquitto_loop", mosquitto_loop(handle, timeoutMilliseconds, 1))
    }

    /// Reads what the broker has sent, at most `maximumPackets` packets, waiting up to
    /// `timeoutMilliseconds` for the first; callbacks fire from inside this call. Unlike `loop`
    /// it writes nothing and makes no `select` call per packet: with `acknowledgeAfterCallback`
    /// the acknowledgements of what it read stay queued until `writeQueued`, so a receiver can
    /// store a whole batch before the broker hears of any of it. Returns the packets read.
    @discardableResult
    public func read(timeoutMilliseconds: Int32, maximumPackets: Int) throws(MQTTError) -> Int {
        let descriptor = mosquitto_socket(handle)
        guard descriptor >= 0 else { throw MQTTError(call: "mosquitto_socket", message: "not connected", code: MOSQ_ERR_NO_CONN.rawValue) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        // Not retried: a signal ends the wait early, and the caller's loop comes back.
        let ready = poll(&poller, 1, timeoutMilliseconds)
        if ready < 0 && errno != EINTR { throw MQTTError(call: "poll", message: String(cString: strerror(errno)), code: MOSQ_ERR_ERRNO.rawValue) }
        guard ready > 0 else { return 0 }
        var packets = 0
        while packets < maximumPackets {
            // libmosquitto reads one packet per call and leaves EAGAIN in errno once the socket is empty.
            errno = 0
            try check("mosquitto_loop_read", mosquitto_loop_read(handle, 1))
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            packets += 1
        }
        return packets
    }

    /// Keeps the connection alive (PINGREQ when due, a lost broker detected) and writes what is
    /// queued: acknowledgements, pings, SUBSCRIBE, CONNECT, DISCONNECT.
    public func writeQueued() throws(MQTTError) {
        try check("mosquitto_loop_misc", mosquitto_loop_misc(handle))
        if mosquitto_want_write(handle) {
            // libmosquitto writes each queued packet with a write of its own: a round's
            // acknowledgements would each go out as a segment, and each cost the broker a wake-up.
            // Corked, they leave together when the last is written.
            let descriptor = mosquitto_socket(handle)
            Self.setCorked(descriptor, true)
            defer { Self.setCorked(descriptor, false) }
            try check("mosquitto_loop_write", mosquitto_loop_write(handle, 1))
        }
    }

    /// TCP_CORK on or off; a socket that is not TCP (or not open) ignores it, as it may.
    private static func setCorked(_ descriptor: Int32, _ corked: Bool) {
        guard descriptor >= 0 else { return }
        var value: Int32 = corked ? 1 : 0
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads and drops whatever the broker sends until it has been quiet for `quietMilliseconds`
    /// (or `maximumMilliseconds` pass), without processing it: nothing dropped here has been
    /// acknowledged, so the broker keeps it for the session. Call only right before `disconnect`,
    /// since the dropped bytes leave the MQTT stream unusable.
    public func discardIncoming(quietMilliseconds: Int32, maximumMilliseconds: Int) {
        let descriptor = mosquitto_socket(handle)
        guard descriptor >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Int(now.tv_sec) * 1_000 + Int(now.tv_nsec) / 1_000_000 + maximumMilliseconds
        while Int(now.tv_sec) * 1_000 + Int(now.tv_nsec) / 1_000_000 < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard retryingInterrupted({ poll(&poller, 1, quietMilliseconds) }) > 0 else { return }
            let count = retryingInterrupted { buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } }
            if count == 0 || (count < 0 && errno != EAGAIN) { return }
            clock_gettime(CLOCK_MONOTONIC, &now)
        }
    }

    /// Sends DISCONNECT. Subscriptions stay on the broker for a persistent session.
    public func disconnect() {
        _ = mosquitto_disconnect(handle)
    }

    /// Whether there are outgoing packets libmosquitto has not written yet.
    public var wantsWrite: Bool { mosquitto_want_write(handle) }
}
