import CZeroMQ
import Synchronization
import SystemCalls

/// A ZAP handler (ZeroMQ RFC 27): decides, for every CURVE handshake on the sockets of one
/// context, whether the client may connect.
///
/// libzmq asks whatever is bound to `inproc://zeromq.zap.01` in the socket's context; with
/// nothing bound there it lets every client in. The handler runs on a thread of its own with
/// a REP socket in the same context, so it has to exist before the first server socket binds.
final class ZMQAuthenticator: Sendable {
    /// What the handler is told about one connecting client.
    typealias Decide = @Sendable (ZMQAuthenticationRequest) -> Bool

    private let state: ThreadState
    private nonisolated(unsafe) let thread: UnsafeMutableRawPointer

    init(context: UnsafeMutableRawPointer, decide: @escaping Decide) throws(ZMQError) {
        guard let socket = zmq_socket(context, ZMQ_REP) else { throw ZMQError(call: "zmq_socket(ZAP)") }
        let bound = zmq_bind(socket, "inproc://zeromq.zap.01")
        if bound == -1 {
            let error = ZMQError(call: "zmq_bind(inproc://zeromq.zap.01)")
            zmq_close(socket)
            throw error
        }
        state = ThreadState(socket: socket, decide: decide)
        // The socket moves to the handler thread here; nothing else touches it afterwards.
        thread = zmq_threadstart(
            { argument in
                Unmanaged<ThreadState>.fromOpaque(argument!).takeRetainedValue().serve()
            }, Unmanaged.passRetained(state).toOpaque())
    }

    /// Stops the handler and waits for its thread, which closes its socket.
    func stop() {
        state.stopRequested.store(true, ordering: .releasing)
        zmq_threadclose(thread)
    }

    /// What the handler thread owns: its REP socket, the decision, and the flag that stops it.
    final class ThreadState: Sendable {
        let stopRequested = Atomic<Bool>(false)
        private nonisolated(unsafe) let socket: UnsafeMutableRawPointer
        private let decide: Decide

        init(socket: UnsafeMutableRawPointer, decide: @escaping Decide) {
            self.socket = socket
            self.decide = decide
        }

        /// Answers requests until a stop is requested (looked at every 100 ms) or the context terminates; closes the socket.
        func serve() {
            defer { zmq_close(socket) }
            while !stopRequested.load(ordering: .acquiring) {
                var item = zmq_pollitem_t(socket: socket, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
                let ready = zmq_poll(&item, 1, 100)
                if ready == -1 && zmq_errno() == ETERM { return }
                guard ready > 0 else { continue }
                guard let parts = receiveParts() else { return }
                reply(to: parts)
            }
        }

        /// RFC 27 request: version, request id, domain, address, identity, mechanism, credentials.
        private func reply(to parts: [[UInt8]]) {
            let text = { (index: Int) in parts.indices.contains(index) ? String(decoding: parts[index], as: UTF8.self) : "" }
            var status = "400", statusText = "malformed request"
            if parts.count >= 6, text(0) == "1.0" {
                let mechanism = text(5)
                let request = ZMQAuthenticationRequest(
                    domain: text(2), address: text(3), mechanism: mechanism,
                    clientKey: mechanism == "CURVE" && parts.count >= 7 ? ZMQCurve.z85(parts[6]) : nil
                )
                (status, statusText) = decide(request) ? ("200", "OK") : ("400", "client key not allowed")
            }
            let answer: [[UInt8]] = [Array("1.0".utf8), parts.count > 1 ? parts[1] : [], Array(status.utf8), Array(statusText.utf8), [], []]
            for (index, part) in answer.enumerated() {
                let flags = index == answer.count - 1 ? 0 : ZMQ_SNDMORE
                _ = retryingInterrupted { part.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, flags) } }
            }
        }

        /// All parts of one message, or nil when the context is terminating.
        private func receiveParts() -> [[UInt8]]? {
            var parts: [[UInt8]] = []
            while true {
                var message = zmq_msg_t()
                zmq_msg_init(&message)
                defer { zmq_msg_close(&message) }
                guard retryingInterrupted({ zmq_msg_recv(&message, socket, 0) }) != -1 else { return nil }
                let size = zmq_msg_size(&message)
                parts.append(size == 0 ? [] : Array(UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: size)))
                if zmq_msg_more(&message) == 0 { return parts }
            }
        }
    }
}

/// One client handshake, as the ZAP handler sees it.
public struct ZMQAuthenticationRequest: Sendable {
    /// The server socket's authentication domain.
    public let domain: String
    /// The client's network address (for `tcp://`, its IP).
    public let address: String
    /// `NULL`, `PLAIN` or `CURVE`.
    public let mechanism: String
    /// For CURVE, the client's public key as Z85 text.
    public let clientKey: String?
}
