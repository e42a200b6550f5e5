import CollectorCore
import Logging
import ZeroMQ

/// A PUSH or PULL socket that carries `WireFrame`s, with the waiting rules every stage shares.
final class FrameSocket {
    let socket: ZMQSocket
    let name: String

    private init(socket: ZMQSocket, name: String) {
        self.socket = socket
        self.name = name
    }

    /// A PUSH socket connected to every endpoint in `endpoints` (ingest and workers).
    static func push(_ context: ZMQContext, connectingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .push, endpoints, bind: false, name: name)
    }

    /// A PUSH socket bound to `endpoints` (the router's side of the worker links).
    static func push(_ context: ZMQContext, bindingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .push, endpoints, bind: true, name: name)
    }

    static func pull(_ context: ZMQContext, bindingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .pull, endpoints, bind: true, name: name)
    }

    static func pull(_ context: ZMQContext, connectingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .pull, endpoints, bind: false, name: name)
    }

    /// The sink's acknowledgement socket, bound: every ingest connected to it hears every frame.
    static func publish(_ context: ZMQContext, bindingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .publish, endpoints, bind: true, name: name)
    }

    /// ingest's side of the acknowledgements, connected to every sink.
    static func subscribe(_ context: ZMQContext, connectingTo endpoints: [String], name: String) throws -> FrameSocket {
        try make(context, .subscribe, endpoints, bind: false, name: name)
    }

    /// Frames queued per socket before a sender waits. A frame carries up to a batch of
    /// messages, so this bounds memory at a few megabytes per socket under load.
    static let highWaterMark: Int32 = 200

    /// Linger gives queued frames 10 s to leave when a stage closes.
    private static func make(_ context: ZMQContext, _ type: ZMQSocketType, _ endpoints: [String], bind: Bool, name: String) throws -> FrameSocket {
        try StageEndpoints.check(endpoints)
        let socket = try context.socket(type)
        switch type {
        case .push:
            try socket.setLinger(milliseconds: 10_000)
            try socket.setSendHighWaterMark(highWaterMark)
        case .pull:
            try socket.setReceiveHighWaterMark(highWaterMark)
        case .publish:
            // An acknowledgement that is dropped costs only a redelivery, never a message.
            try socket.setLinger(milliseconds: 1_000)
            try socket.setSendHighWaterMark(highWaterMark * 10)
        case .subscribe:
            try socket.setReceiveHighWaterMark(highWaterMark * 10)
            try socket.subscribe()
        }
        for endpoint in endpoints {
            if bind { try socket.bind(endpoint) } else { try socket.connect(endpoint) }
        }
        return FrameSocket(socket: socket, name: name)
    }

    /// Sends a frame, waiting while every peer is full or absent: back-pressure, not loss.
    ///
    /// Once `stop` is requested it waits at most `shutdownPatience` more milliseconds, then gives
    /// up and returns false so that a stage whose downstream is gone can still exit.
    func send(_ frame: WireFrame, stop: StopSignal, logger: Logger, shutdownPatienceMilliseconds: Int = 10_000) throws -> Bool {
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

    /// The next frame's bytes, or nil after `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int) throws -> [UInt8]? {
        if let bytes = try socket.receive(wait: false) { return bytes }
        guard try socket.waitReadable(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return try socket.receive(wait: false)
    }
}
