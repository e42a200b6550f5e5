import CollectorCore
import Foundation
import Logging
import ZeroMQ

/// A socket that carries `WireFrame`s, with the waiting rules every stage shares.
package final class FrameSocket {
    /// The ZeroMQ socket, for what this type does not wrap (the router's sends to one worker).
    package let socket: ZMQSocket
    /// The socket's name in log lines.
    package let name: String

    private init(socket: ZMQSocket, name: String) {
        self.socket = socket
        self.name = name
    }

    /// The stages that bind: the servers a connecting socket talks to.
    package enum Server: String {
        case router
        case sink
    }

    /// A PUSH socket connected to every endpoint in `endpoints` (ingest and workers).
    package static func push(_ context: ZMQContext, connectingTo endpoints: [String], server: Server, name: String, security: LinkSecurity) throws
        -> FrameSocket
    {
        try make(context, .push, endpoints, server: server, name: name, security: security)
    }

    /// The router's side of one type's worker links: a ROUTER socket bound to `endpoints`, which
    /// sends each frame to the worker it names and hears which workers are there.
    package static func workers(_ context: ZMQContext, bindingTo endpoints: [String], name: String, security: LinkSecurity) throws -> FrameSocket {
        try make(context, .router, endpoints, server: nil, name: name, security: security)
    }

    /// A worker's side of its link: a DEALER socket connected to every router in `endpoints`.
    package static func worker(_ context: ZMQContext, connectingTo endpoints: [String], name: String, security: LinkSecurity) throws
        -> FrameSocket
    {
        try make(context, .dealer, endpoints, server: .router, name: name, security: security)
    }

    /// A PULL socket bound to `endpoints`: the input of the router and of the sink.
    package static func pull(_ context: ZMQContext, bindingTo endpoints: [String], name: String, security: LinkSecurity) throws -> FrameSocket {
        try make(context, .pull, endpoints, server: nil, name: name, security: security)
    }

    /// A PULL socket connected to every endpoint in `endpoints`, which `server` binds.
    package static func pull(_ context: ZMQContext, connectingTo endpoints: [String], server: Server, name: String, security: LinkSecurity) throws
        -> FrameSocket
    {
        try make(context, .pull, endpoints, server: server, name: name, security: security)
    }

    /// The sink's acknowledgement socket, bound: every ingest connected to it hears every frame.
    package static func publish(_ context: ZMQContext, bindingTo endpoints: [String], name: String, security: LinkSecurity) throws -> FrameSocket {
        try make(context, .publish, endpoints, server: nil, name: name, security: security)
    }

    /// ingest's side of the acknowledgements, connected to every sink.
    package static func subscribe(_ context: ZMQContext, connectingTo endpoints: [String], server: Server, name: String, security: LinkSecurity)
        throws -> FrameSocket
    {
        try make(context, .subscribe, endpoints, server: server, name: name, security: security)
    }

    /// Frames queued per peer on each side of a link before a sender waits. A frame carries
    /// at most 256 messages and, past its first message, 256 KB of them (ingest makes them so
    /// and the stages after it only split them), so with messages of any size a link holds a
    /// few megabytes: 16 frames of 256 messages are a quarter of a second at full speed.
    package static let highWaterMark: Int32 = 16

    /// Acknowledgements queued for a slow ingest before the sink drops some: small frames, and
    /// one dropped costs a redelivery, not a message.
    package static let acknowledgementHighWaterMark: Int32 = 2_000

    /// For what the sockets log about security; the label is the stage's executable.
    private static let logger = Logger(label: ProcessInfo.processInfo.processName)

    /// Binds when `server` is nil, else connects to that server. Linger gives the queued frames
    /// of a PUSH or ROUTER socket 10 s to leave when a stage closes.
    private static func make(
        _ context: ZMQContext, _ type: ZMQSocketType, _ endpoints: [String], server: Server?, name: String, security: LinkSecurity
    ) throws -> FrameSocket {
        try StageEndpoints.check(endpoints)
        for endpoint in endpoints {
            if let warning = try security.review(endpoint, binding: server == nil) { logger.warning("\(warning)") }
        }
        let socket = try context.socket(type)
        if let curve = security.curve { try secure(socket, context, curve, server: server) }
        switch type {
        case .push:
            try socket.setLinger(milliseconds: 10_000)
            try socket.setSendHighWaterMark(highWaterMark)
        case .pull:
            try socket.setReceiveHighWaterMark(highWaterMark)
        case .router:
            try socket.setLinger(milliseconds: 10_000)
            try socket.setSendHighWaterMark(highWaterMark)
            try socket.setRouterMandatory()
        case .dealer:
            // What a worker sends is only its presence: a few are enough, and none need outlive it.
            try socket.setLinger(milliseconds: 0)
            try socket.setSendHighWaterMark(4)
            try socket.setReceiveHighWaterMark(highWaterMark)
        case .publish:
            // An acknowledgement that is dropped costs only a redelivery, never a message.
            try socket.setLinger(milliseconds: 1_000)
            try socket.setSendHighWaterMark(acknowledgementHighWaterMark)
        case .subscribe:
            try socket.setReceiveHighWaterMark(acknowledgementHighWaterMark)
            try socket.subscribe()
        }
        for endpoint in endpoints {
            if server == nil {
                try socket.bind(endpoint)
                // The runtime directory is private already; a socket bound elsewhere is made so too.
                if endpoint.hasPrefix("ipc:///") { chmod(String(endpoint.dropFirst(6)), 0o600) }
            } else {
                try socket.connect(endpoint)
            }
        }
        return FrameSocket(socket: socket, name: name)
    }

    /// A binding socket becomes a CURVE server that lets in the clients of `MES_CURVE_CLIENTS_DIR`;
    /// a connecting one a client of the server's public key.
    private static func secure(_ socket: ZMQSocket, _ context: ZMQContext, _ curve: CurveKeys, server: Server?) throws {
        guard let server else {
            guard let directory = curve.clientsDirectory else {
                throw SettingError(
                    reason:
                        "MES_CURVE_CLIENTS_DIR is not set: with CURVE on, a stage that binds needs the directory of the public keys (*.key) "
                        + "of the clients it lets in"
                )
            }
            try context.startAuthenticator { request in allows(request, clientsDirectory: directory) }
            try socket.setAuthenticationDomain("cnc-collector")
            try socket.setCurveServer(secretKey: curve.secretKey)
            return
        }
        guard let serverKey = server == .router ? curve.routerKey : curve.sinkKey else {
            throw SettingError(
                reason:
                    "MES_CURVE_\(server.rawValue.uppercased())_KEY_FILE is not set: with CURVE on, connecting to the \(server.rawValue) needs "
                    + "its public key"
            )
        }
        try socket.setCurveClient(serverKey: serverKey, publicKey: curve.publicKey, secretKey: curve.secretKey)
    }

    /// The ZAP decision: the client's key must be in the directory, read at every handshake so
    /// that adding or removing a key file takes effect for the next connection.
    private static func allows(_ request: ZMQAuthenticationRequest, clientsDirectory: String) -> Bool {
        let keys: [String: String]
        do {
            keys = try CurveKeys.clientKeys(in: clientsDirectory)
        } catch {
            logger.error("refused a client: the allowed keys cannot be read", metadata: ["error": "\(error)", "address": "\(request.address)"])
            return false
        }
        guard let key = request.clientKey, let file = keys[key] else {
            logger.warning(
                "refused a client whose key is not in MES_CURVE_CLIENTS_DIR",
                metadata: ["address": "\(request.address)", "mechanism": "\(request.mechanism)", "client_key": "\(request.clientKey ?? "none")"])
            return false
        }
        logger.info("client authenticated", metadata: ["address": "\(request.address)", "client": "\(file)"])
        return true
    }

    /// Sends a frame, waiting while every peer is full or absent: back-pressure, not loss.
    ///
    /// Once `stop` is requested it waits at most `shutdownPatienceMilliseconds` more (default
    /// 10 000 ms), then gives up and returns false so that a stage whose downstream is gone can
    /// still exit.
    package func send(_ frame: WireFrame, stop: StopSignal, logger: Logger, shutdownPatienceMilliseconds: Int = 10_000) throws -> Bool {
        let bytes = frame.encoded()
        var waitedAfterStop = 0
        var warned = false
        while true {
            if try socket.send(bytes, wait: false) { return true }
            if !warned {
                logger.debug("waiting for a peer", metadata: ["socket": "\(name)"])
                warned = true
            }
            _ = try socket.waitWritable(timeoutMilliseconds: 100)
            if stop.isRequested {
                waitedAfterStop += 100
                if waitedAfterStop >= shutdownPatienceMilliseconds { return false }
            }
        }
    }

    /// The ids of the acknowledgement frames that arrived, waiting up to `timeoutMilliseconds`
    /// for the first; empty when none came. A frame that cannot be decoded is logged and skipped.
    package func receiveAcknowledgements(timeoutMilliseconds: Int, logger: Logger) throws -> [MessageID] {
        var wait = timeoutMilliseconds
        var acknowledged: [MessageID] = []
        while let bytes = try receive(timeoutMilliseconds: wait) {
            wait = 0
            guard case .acknowledgements(let ids)? = try? WireFrame.decode(bytes) else {
                logger.warning("undecodable acknowledgement frame", metadata: ["bytes": "\(bytes.count)"])
                continue
            }
            acknowledged += ids
        }
        return acknowledged
    }

    /// The next frame's bytes, or nil after `timeoutMilliseconds`.
    package func receive(timeoutMilliseconds: Int) throws -> [UInt8]? {
        if let bytes = try socket.receive(wait: false) { return bytes }
        guard try socket.waitReadable(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return try socket.receive(wait: false)
    }
}
