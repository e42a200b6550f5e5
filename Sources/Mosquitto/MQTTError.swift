import CMosquitto

#if canImport(Glibc)
    import Glibc
#endif

/// A failed libmosquitto call, with the library's own message.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    /// The `MOSQ_ERR_*` code.
    public let code: Int32
    /// The libmosquitto call that failed, with its topic or address where it has one.
    public let call: String
    /// libmosquitto's message for `code`, or the system's for a failure it reports in `errno`.
    public let message: String

    /// `call: message`.
    public var description: String { "\(call): \(message)" }

    /// Codes after which retrying the connection can help (network trouble, broker restarts).
    public var isConnectionLoss: Bool {
        switch mosq_err_t(code) {
        case MOSQ_ERR_NO_CONN, MOSQ_ERR_CONN_LOST, MOSQ_ERR_ERRNO, MOSQ_ERR_CONN_REFUSED, MOSQ_ERR_EAI,
            MOSQ_ERR_KEEPALIVE, MOSQ_ERR_TLS, MOSQ_ERR_PROTOCOL, MOSQ_ERR_NOT_FOUND:
            true
        default:
            false
        }
    }

    init(call: String, code: Int32) {
        self.code = code
        self.call = call
        if mosq_err_t(code) == MOSQ_ERR_ERRNO {
            // libmosquitto leaves the reason in errno for this code.
            self.message = String(cString: strerror(errno))
        } else {
            self.message = String(cString: mosquitto_strerror(code))
        }
    }

    init(call: String, message: String, code: Int32) {
        self.code = code
        self.call = call
        self.message = message
    }
}

/// The one place where a libmosquitto return code becomes a Swift error.
func check(_ call: @autoclosure () -> String, _ result: Int32) throws(MQTTError) {
    if result != MOSQ_ERR_SUCCESS.rawValue {
        throw MQTTError(call: call(), code: result)
    }
}
