import CollectorCore
import MachineTypes
import Metrics
import StageRuntime

/// What the router counts (README, Observability), per machine type where it routes.
struct RouterMetrics {
    let rejected = RejectionCounters(label: "cnc.router.rejected.total")
    /// SIGHUP reloads of the type map, by result, and the map in force.
    let mapReloads = Counter(label: "cnc.router.map.reloads.total", dimensions: [("result", "ok")])
    let failedMapReloads = Counter(label: "cnc.router.map.reloads.total", dimensions: [("result", "failed")])
    let mapMachines = Gauge(label: "cnc.router.map.machines")
    let mapLoaded = Gauge(label: "cnc.router.map.loaded.timestamp.seconds")
    private var routed: [String: Counter] = [:]
    private var held: [String: Gauge] = [:]
    private var workers: [String: Gauge] = [:]

    /// Makes a type's metrics, when its workers get an outlet.
    mutating func add(type: String) {
        routed[type] = Counter(label: "cnc.router.routed.total", dimensions: [("cnc_type", type)])
        held[type] = Gauge(label: "cnc.router.held", dimensions: [("cnc_type", type)])
        workers[type] = Gauge(label: "cnc.router.workers", dimensions: [("cnc_type", type)])
    }

    /// Notes the map now in force.
    func loaded(_ map: CNCTypeMap) {
        mapMachines.record(map.typeByCNCID.count)
        mapLoaded.record(Double(WallClock.nowMicroseconds()) / 1_000_000)
    }

    func routed(_ count: Int, type: String) {
        routed[type]?.increment(by: count)
    }

    /// The type's messages held and the workers it has now.
    func held(_ count: Int, workers workerCount: Int, type: String) {
        held[type]?.record(count)
        workers[type]?.record(workerCount)
    }
}
