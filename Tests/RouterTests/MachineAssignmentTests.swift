import Testing

@testable import Router

@Suite("MachineAssignment")
struct MachineAssignmentTests {
    let machines = (1...1_000).map { "CNC\($0)" }

    func workers(_ count: Int) -> [[UInt8]] {
        (0..<count).map { [0, UInt8($0), 7, 3, UInt8(truncatingIfNeeded: $0 * 31)] }
    }

    func assigned(_ assignment: inout MachineAssignment) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for machine in machines { result[machine] = assignment.workers[assignment.worker(for: machine)] }
        return result
    }

    @Test("a machine keeps its worker, and the machines spread over all workers")
    func stableAndSpread() {
        var assignment = MachineAssignment()
        let added = workers(4).map { assignment.add($0) }
        #expect(added == [true, true, true, true])
        let again = assignment.add(workers(4)[2])
        #expect(!again)
        let first = assigned(&assignment)
        let second = assigned(&assignment)
        #expect(second == first)
        for worker in workers(4) {
            let share = first.values.filter { $0 == worker }.count
            #expect(share > 150 && share < 350, "worker \(worker) has \(share) of 1000 machines")
        }
    }

    @Test("a new worker takes machines only for itself, and a worker that goes moves only its own")
    func minimalMoves() {
        var assignment = MachineAssignment()
        for worker in workers(3) { assignment.add(worker) }
        let three = assigned(&assignment)
        let fourth = workers(4)[3]
        assignment.add(fourth)
        let four = assigned(&assignment)
        let moved = machines.filter { three[$0] != four[$0] }
        #expect(moved.allSatisfy { four[$0] == fourth })
        #expect(moved.count > 150 && moved.count < 350, "\(moved.count) of 1000 machines moved to the new worker")

        let gone = workers(3)[0]
        let removed = [assignment.remove(gone), assignment.remove(gone)]
        #expect(removed == [true, false])
        let after = assigned(&assignment)
        #expect(machines.filter { four[$0] != after[$0] }.allSatisfy { four[$0] == gone })
        #expect(!after.values.contains(gone))
    }

    @Test("the same workers give the same assignment in any order of arrival")
    func orderOfArrival() {
        var forward = MachineAssignment(), backward = MachineAssignment()
        for worker in workers(5) { forward.add(worker) }
        for worker in workers(5).reversed() { backward.add(worker) }
        let (one, other) = (assigned(&forward), assigned(&backward))
        #expect(one == other)
    }
}
