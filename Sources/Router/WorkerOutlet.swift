import CollectorCore
import StageRuntime
import ZeroMQ

/// The router's link to one type's workers, with a bounded holding queue.
///
/// A bound PUSH socket with no worker connected refuses every send, so without this queue a
/// type whose workers are absent, restarting or slow would hold up every other type at once.
/// Frames wait here in order; only when a type's queue is full does the router stop reading
/// input, and the back-pressure reaches the broker.
final class WorkerOutlet {
    let type: String
    let socket: FrameSocket
    let capacity: Int
    private var held: [(frame: [UInt8], messages: Int)] = []
    private var head = 0
    /// Messages (not frames) held, since a frame carries a batch.
    private(set) var heldCount = 0

    init(type: String, socket: FrameSocket, capacity: Int) {
        self.type = type
        self.socket = socket
        self.capacity = capacity
    }

    var isFull: Bool { heldCount >= capacity }

    /// Sends the frame now if nothing is waiting ahead of it and a worker can take it; holds it otherwise.
    func offer(_ frame: [UInt8], messages: Int) throws {
        if heldCount == 0, try socket.socket.send(frame, wait: false) { return }
        held.append((frame, messages))
        heldCount += messages
    }

    /// Sends held frames, oldest first, until the workers take no more.
    func flush() throws {
        while head < held.count, try socket.socket.send(held[head].frame, wait: false) {
            heldCount -= held[head].messages
            head += 1
        }
        if head == held.count {
            held.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1_024 {
            held.removeFirst(head)
            head = 0
        }
    }
}
