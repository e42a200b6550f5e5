import CollectorCore
import DequeModule
import Logging
import StageRuntime
import ZeroMQ

/// The router's link to one type's workers: which workers are there, which machine goes to
/// which, and a bounded holding queue per worker.
///
/// Each machine's messages go to one worker (`MachineAssignment`), so they reach the sink in the
/// machine's order. A worker makes itself known by sending anything on its link (`WorkerLoop`
/// does every second) and is dropped when a send to it, or a probe, finds it gone; its machines and the
/// frames held for it go to the other workers then. Frames wait here, in order, while their
/// worker is full or no worker is there: a type whose workers are absent, restarting or slow
/// would otherwise hold up every other type. Only when a type's queue is full does the router
/// stop reading input, and the back-pressure reaches the broker.
final class WorkerOutlet {
    let type: String
    let socket: FrameSocket
    let capacity: Int
    private let logger: Logger
    private var assignment = MachineAssignment()
    private var heldByWorker: [[UInt8]: HeldFrames] = [:]
    /// Frames that came while no worker was there.
    private var unassigned = HeldFrames()
    /// Messages (not frames) held, since a frame carries a batch.
    private(set) var heldCount = 0
    /// The bytes of the frames held, which the router bounds for all types together.
    private(set) var heldBytes = 0

    init(type: String, socket: FrameSocket, capacity: Int, logger: Logger) {
        self.type = type
        self.socket = socket
        self.capacity = capacity
        self.logger = logger
    }

    var isFull: Bool { heldCount >= capacity }
    var workerCount: Int { assignment.workers.count }

    /// Sends each machine's records to its worker now if nothing is waiting ahead of them there
    /// and the worker can take them; holds them otherwise.
    func offer(_ index: MessageFrameIndex, records: [MessageFrameIndex.Record]) throws {
        guard !assignment.isEmpty else {
            hold(index.frame(of: records), messages: records.count, in: &unassigned)
            return
        }
        var groups = Array(repeating: [MessageFrameIndex.Record](), count: assignment.workers.count)
        for record in records { groups[assignment.worker(for: record.cncID)].append(record) }
        // Taken before sending: a worker found gone while sending changes the assignment.
        let frames = zip(assignment.workers, groups).filter { !$0.1.isEmpty }.map { ($0.0, index.frame(of: $0.1), $0.1.count) }
        for (worker, frame, messages) in frames { try deliver(frame, messages: messages, to: worker) }
    }

    /// Takes in the workers that made themselves known, then sends held frames, each worker's
    /// oldest first, until the workers take no more.
    func flush() throws {
        while let (worker, _) = try socket.socket.receiveAddressed() {
            guard assignment.add(worker) else { continue }
            logger.info("worker connected", metadata: ["cnc_type": "\(type)", "workers": "\(assignment.workers.count)"])
        }
        if !assignment.isEmpty && !unassigned.isEmpty { try reassign(release(&unassigned)) }
        for worker in assignment.workers {
            sending: while let next = heldByWorker[worker]?.first {
                switch try socket.socket.send(next.frame, to: worker) {
                case .sent:
                    heldByWorker[worker]!.removeFirst()
                    forget(next)
                case .full:
                    break sending
                case .unreachable:
                    try drop(worker)
                    break sending
                }
            }
        }
    }

    /// Sends each worker an empty message, which workers ignore, to find the ones that have
    /// gone while nothing else was sent to them: their count stays true and none is kept for nothing.
    func probe() throws {
        for worker in assignment.workers where try socket.socket.send([], to: worker) == .unreachable {
            try drop(worker)
        }
    }

    private func deliver(_ frame: [UInt8], messages: Int, to worker: [UInt8]) throws {
        if heldByWorker[worker]?.isEmpty ?? true {
            switch try socket.socket.send(frame, to: worker) {
            case .sent:
                return
            case .full:
                break
            case .unreachable:
                try drop(worker)
                try reassign([(frame, messages)])
                return
            }
        }
        hold(frame, messages: messages, in: &heldByWorker[worker, default: HeldFrames()])
    }

    /// A worker that has gone: its machines and what was held for it go to the workers left.
    private func drop(_ worker: [UInt8]) throws {
        guard assignment.remove(worker) else { return }
        logger.warning("worker gone", metadata: ["cnc_type": "\(type)", "workers": "\(assignment.workers.count)"])
        var held = heldByWorker.removeValue(forKey: worker) ?? HeldFrames()
        try reassign(release(&held))
    }

    private func reassign(_ frames: [HeldFrame]) throws {
        for (frame, _) in frames {
            let index = try MessageFrameIndex(frame)
            try offer(index, records: index.records)
        }
    }

    /// Empties a queue, and what it held no longer counts.
    private func release(_ queue: inout HeldFrames) -> [HeldFrame] {
        let frames = Array(queue)
        queue.removeAll()
        frames.forEach(forget)
        return frames
    }

    private func hold(_ frame: [UInt8], messages: Int, in queue: inout HeldFrames) {
        queue.append((frame, messages))
        heldCount += messages
        heldBytes += frame.count
    }

    private func forget(_ held: HeldFrame) {
        heldCount -= held.messages
        heldBytes -= held.frame.count
    }
}

/// A frame held for a worker, and how many messages it carries.
private typealias HeldFrame = (frame: [UInt8], messages: Int)

/// Frames held in order. A deque lets go of each frame as it leaves: an array that only moved
/// an index past the sent ones kept them in memory, and under a long backlog of large messages
/// the router grew to 146 MB while it counted 4 MB held.
private typealias HeldFrames = Deque<HeldFrame>
