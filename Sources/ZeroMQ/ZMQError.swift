import CZeroMQ

/// A failed libzmq call, with the library's own message.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// The C function that failed.
    public let call: String
    /// `zmq_strerror` for `code`.
    public let message: String

    /// `call: message (errno code)`.
    public var description: String { "\(call): \(message) (errno \(code))" }

    /// True when the call would have blocked (`EAGAIN`): not a failure for non-blocking I/O.
    public var wouldBlock: Bool { code == EAGAIN }
    /// True when a ROUTER socket with mandatory routing has no peer of that routing id (any more).
    public var unreachable: Bool { code == EHOSTUNREACH }
    /// True when a signal interrupted the call: retry it.
    public var interrupted: Bool { code == EINTR }
    /// True when the context is being terminated: the owning thread should close its sockets and stop.
    public var contextTerminated: Bool { code == ETERM }

    init(call: String, code: Int32 = zmq_errno()) {
        self.code = code
        self.call = call
        self.message = String(cString: zmq_strerror(code))
    }
}

/// The one place where a libzmq return code becomes a Swift error.
@discardableResult
func check(_ call: @autoclosure () -> String, _ result: Int32) throws(ZMQError) -> Int32 {
    if result == -1 {
        throw ZMQError(call: call())
    }
    return result
}
