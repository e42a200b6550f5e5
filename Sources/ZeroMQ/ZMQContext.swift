import CZeroMQ
import Synchronization
import SystemCalls

/// A libzmq context: owns the I/O threads shared by every socket of one process.
///
/// libzmq contexts are thread-safe, so sharing one across threads is sound.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let authenticator = Mutex<ZMQAuthenticator?>(nil)

    /// A new context with libzmq's defaults; throws when libzmq cannot make one.
    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError(call: "zmq_ctx_new")
        }
        self.handle = handle
    }

    deinit {
        authenticator.withLock { $0?.stop() }
        // Every socket holds a strong reference to its context, so all are closed by now and
        // zmq_ctx_term cannot wait for one of them.
        _ = retryingInterrupted { zmq_ctx_term(handle) }
    }

    /// Starts this context's ZAP handler, which asks `decide` about every client that connects
    /// to a CURVE server socket of the context. Call it before such a socket binds: until a
    /// handler runs, libzmq lets every client in. Later calls keep the first handler.
    public func startAuthenticator(_ decide: @escaping @Sendable (ZMQAuthenticationRequest) -> Bool) throws(ZMQError) {
        try authenticator.withLock { (current: inout ZMQAuthenticator?) throws(ZMQError) in
            if current == nil { current = try ZMQAuthenticator(context: handle, decide: decide) }
        }
    }

    /// Makes a socket of the given type.
    public func socket(_ type: ZMQSocketType) throws(ZMQError) -> ZMQSocket {
        try ZMQSocket(context: self, type: type)
    }
}

/// The socket patterns the pipeline uses.
public enum ZMQSocketType: Sendable {
    case push
    case pull
    /// Acknowledgements fan out from each sink to every ingest.
    case publish
    case subscribe
    /// The router's side of a type's workers: it picks the worker of each frame.
    case router
    /// A worker's side of that link.
    case dealer

    var rawValue: Int32 {
        switch self {
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .publish: ZMQ_PUB
        case .subscribe: ZMQ_SUB
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        }
    }
}
