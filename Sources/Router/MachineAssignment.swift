import CollectorCore

/// Which of a type's workers each machine's messages go to.
///
/// The sink extends a machine's intervals from its newest stored state when the machine's
/// messages arrive in the machine's order, and recomputes from further back when they do not;
/// one worker per machine keeps that order. Rendezvous hashing gives each machine the worker
/// with the highest score for the pair, so a worker that comes or goes moves only the machines
/// that score highest on it, about one in N, and the others keep their worker.
struct MachineAssignment {
    /// The routing ids of the workers there are, in the order they were heard first.
    private(set) var workers: [[UInt8]] = []
    private var workerSeeds: [UInt64] = []
    /// Each machine's index in `workers`, remembered until the workers change.
    private var chosen: [String: Int] = [:]

    var isEmpty: Bool { workers.isEmpty }

    /// Adds a worker; false when it is known already.
    @discardableResult
    mutating func add(_ worker: [UInt8]) -> Bool {
        guard !workers.contains(worker) else { return false }
        workers.append(worker)
        workerSeeds.append(Self.hash(worker))
        chosen.removeAll(keepingCapacity: true)
        return true
    }

    /// Removes a worker; false when it was not known.
    @discardableResult
    mutating func remove(_ worker: [UInt8]) -> Bool {
        guard let index = workers.firstIndex(of: worker) else { return false }
        workers.remove(at: index)
        workerSeeds.remove(at: index)
        chosen.removeAll(keepingCapacity: true)
        return true
    }

    /// The index in `workers` of the machine's worker; there must be a worker.
    mutating func worker(for cncID: String) -> Int {
        precondition(!workers.isEmpty, "a machine is assigned only when a worker is there")
        if let index = chosen[cncID] { return index }
        let machine = Self.hash(Array(cncID.utf8))
        var best = 0
        var bestScore: UInt64 = 0
        for (index, seed) in workerSeeds.enumerated() {
            let score = SplitMix64.mix(seed ^ machine)
            if index == 0 || score > bestScore {
                best = index
                bestScore = score
            }
        }
        chosen[cncID] = best
        return best
    }

    /// FNV-1a: the same bytes give the same value in every process, unlike `Hasher`.
    private static func hash(_ bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return SplitMix64.mix(value)
    }
}
