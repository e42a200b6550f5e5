import CZeroMQ

/// A libzmq context: owns the I/O threads shared by every socket of one process.
///
/// libzmq contexts are thread-safe, so sharing one across threads is sound.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError(call: "zmq_ctx_new")
        }
        self.handle = handle
    }

    deinit {
        // Every socket holds a strong reference to its context, so all are closed by now and
        // zmq_ctx_term cannot wait for one of them.
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
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

    var rawValue: Int32 {
        switch self {
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .publish: ZMQ_PUB
        case .subscribe: ZMQ_SUB
        }
    }
}
