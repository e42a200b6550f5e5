import CZeroMQ
import SystemCalls

/// One libzmq socket.
///
/// libzmq sockets must not be used from two threads at once; the pipeline gives each socket to
/// one stage thread for its whole life, which is why the type is not `Sendable`.
public final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    private let context: ZMQContext

    init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError(call: "zmq_socket")
        }
        self.handle = handle
        self.context = context
    }

    deinit {
        zmq_close(handle)
    }

    /// How long, in ms, messages still queued when the socket is closed (`deinit`) are kept for delivery: closing returns at
    /// once, and the context's termination waits up to this long for them (-1 without end, 0 drops them).
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds)
    }

    /// Messages queued towards peers before a send blocks.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, messages)
    }

    /// Messages queued from peers before they are pushed back.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, messages)
    }

    /// Queue only on connections that are complete.
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, on ? 1 : 0)
    }

    /// A ROUTER socket refuses a send to a peer it does not know (`EHOSTUNREACH`) or whose
    /// queue is full (`EAGAIN`) instead of dropping the message without a word.
    public func setRouterMandatory() throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, 1)
    }

    /// A SUB socket receives only messages that start with a subscribed prefix; empty takes all.
    public func subscribe(prefix: [UInt8] = []) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// Makes this socket a CURVE server: every peer must be a CURVE client that knows the
    /// public key of `secretKey` (Z85). Traffic is encrypted; which clients may connect is up to
    /// the context's authenticator (`ZMQContext.startAuthenticator`).
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, 1)
        try setOption(ZMQ_CURVE_SECRETKEY, text: secretKey, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CURVE client with its own keypair, talking only to a server whose
    /// public key is `serverKey` (all keys Z85). With any other server the handshake fails and
    /// nothing is delivered.
    public func setCurveClient(serverKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, text: serverKey, name: "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, text: publicKey, name: "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, text: secretKey, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// The domain this socket's connections are authenticated in (passed to the ZAP handler).
    public func setAuthenticationDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, text: domain, name: "ZMQ_ZAP_DOMAIN")
    }

    private func setOption(_ option: Int32, text: String, name: String) throws(ZMQError) {
        try setOption(option, bytes: Array(text.utf8), name: name)
    }

    private func setOption(_ option: Int32, bytes: [UInt8], name: String) throws(ZMQError) {
        try check("zmq_setsockopt(\(name))", bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) })
    }

    private func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var value = value
        try check("zmq_setsockopt(\(option))", zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size))
    }

    /// Binds to `endpoint` (`tcp://`, `ipc://`, `inproc://`); throws when libzmq refuses it, e.g. an address in use.
    public func bind(_ endpoint: String) throws(ZMQError) {
        try check("zmq_bind(\(endpoint))", zmq_bind(handle, endpoint))
    }

    /// Connects to `endpoint`; returns at once, while libzmq connects, and reconnects, in the background.
    public func connect(_ endpoint: String) throws(ZMQError) {
        try check("zmq_connect(\(endpoint))", zmq_connect(handle, endpoint))
    }

    /// Sends one message. Returns false when `wait` is false and the message could not be queued now.
    public func send(_ bytes: [UInt8], wait: Bool) throws(ZMQError) -> Bool {
        let flags = wait ? 0 : ZMQ_DONTWAIT
        let result = retryingInterrupted { bytes.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) } }
        if result >= 0 { return true }
        let error = ZMQError(call: "zmq_send")
        if error.wouldBlock { return false }
        throw error
    }

    /// What became of a message sent to one peer of a ROUTER socket.
    public enum AddressedSend: Sendable, Equatable {
        case sent
        /// The peer's queue is full.
        case full
        /// No peer of that routing id is connected (any more).
        case unreachable
    }

    /// Sends `bytes` to the peer `routingID` of a ROUTER socket with mandatory routing, without waiting.
    public func send(_ bytes: [UInt8], to routingID: [UInt8]) throws(ZMQError) -> AddressedSend {
        // The routing part decides: once it is queued, the body goes to the same pipe.
        let routed = retryingInterrupted { routingID.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, ZMQ_DONTWAIT | ZMQ_SNDMORE) } }
        if routed < 0 {
            let error = ZMQError(call: "zmq_send")
            if error.wouldBlock { return .full }
            if error.unreachable { return .unreachable }
            throw error
        }
        let result = retryingInterrupted { bytes.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, ZMQ_DONTWAIT) } }
        if result < 0 { throw ZMQError(call: "zmq_send") }
        return .sent
    }

    /// Receives one message of a ROUTER socket with the routing id of the peer that sent it, or
    /// nil when none is queued. Parts after the first are joined.
    public func receiveAddressed() throws(ZMQError) -> (routingID: [UInt8], body: [UInt8])? {
        guard let routingID = try receive(wait: false) else { return nil }
        var body: [UInt8] = []
        while try hasMoreParts() {
            body += try receive(wait: true) ?? []
        }
        return (routingID, body)
    }

    private func hasMoreParts() throws(ZMQError) -> Bool {
        var more: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try check("zmq_getsockopt(ZMQ_RCVMORE)", zmq_getsockopt(handle, ZMQ_RCVMORE, &more, &size))
        return more != 0
    }

    /// Receives one message part (the whole message, for a single-part one), or nil when `wait` is false and none is
    /// queued.
    public func receive(wait: Bool) throws(ZMQError) -> [UInt8]? {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        if retryingInterrupted({ zmq_msg_recv(&message, handle, wait ? 0 : ZMQ_DONTWAIT) }) < 0 {
            let error = ZMQError(call: "zmq_msg_recv")
            if error.wouldBlock { return nil }
            throw error
        }
        let size = zmq_msg_size(&message)
        guard size > 0, let data = zmq_msg_data(&message) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// Waits until this socket has a message to read or `timeoutMilliseconds` pass; -1 waits forever. False when the time
    /// passed, or a signal interrupted the wait.
    public func waitReadable(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        try ZMQPoller.wait(for: [self], events: .readable, timeoutMilliseconds: timeoutMilliseconds).first ?? false
    }

    /// Waits until a message can be queued on this socket or `timeoutMilliseconds` pass; -1 waits forever. False when the
    /// time passed, or a signal interrupted the wait.
    public func waitWritable(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        try ZMQPoller.wait(for: [self], events: .writable, timeoutMilliseconds: timeoutMilliseconds).first ?? false
    }
}

/// `zmq_poll` over several sockets of one thread.
public enum ZMQPoller {
    /// What to wait for: a message to read, or room to queue one.
    public enum Events: Sendable {
        case readable
        case writable

        var mask: Int16 {
            switch self {
            case .readable: Int16(ZMQ_POLLIN)
            case .writable: Int16(ZMQ_POLLOUT)
            }
        }
    }

    /// For each socket, whether it is ready for `events` within `timeoutMilliseconds` (-1 waits forever); all false when a
    /// signal interrupts the wait.
    public static func wait(for sockets: [ZMQSocket], events: Events, timeoutMilliseconds: Int) throws(ZMQError) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: -1, events: events.mask, revents: 0) }
        let result = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds) }
        if result == -1 {
            let error = ZMQError(call: "zmq_poll")
            if error.interrupted { return sockets.map { _ in false } }
            throw error
        }
        return items.map { $0.revents & events.mask != 0 }
    }
}
