import CollectorCore
import MachineTypes
import Metrics
import StageRuntime
import SystemCalls

/// What the router counts (docs/observability.md), per machine type where it routes.
struct RouterMetrics {
    let rejected = RejectionCounters(label: "cnc.router.rejected.total", help: "Messages the router refused, by class of reason")
    /// SIGHUP reloads of the type map, by result, and the map in force.
    let mapReloads = Counter(label: MetricHelp.label("cnc.router.map.reloads.total", help: Self.reloadsHelp), dimensions: [("result", "ok")])
    let failedMapReloads = Counter(
        label: MetricHelp.label("cnc.router.map.reloads.total", help: Self.reloadsHelp), dimensions: [("result", "failed")])
    let mapMachines = Gauge(label: MetricHelp.label("cnc.router.map.machines", help: "Machines in the type map in force"))
    let mapLoaded = Gauge(
        label: MetricHelp.label("cnc.router.map.loaded.timestamp.seconds", help: "When the type map in force was loaded, in Unix time"))
    private static let reloadsHelp = "SIGHUP reloads of the type map, by result"
    private var routed: [String: Counter] = [:]
    private var held: [String: Gauge] = [:]
    private var workers: [String: Gauge] = [:]

    /// Makes a type's metrics, when its workers get an outlet.
    mutating func add(type: String) {
        routed[type] = Counter(
            label: MetricHelp.label("cnc.router.routed.total", help: "Messages sent to the workers of a type"), dimensions: [("cnc_type", type)])
        held[type] = Gauge(
            label: MetricHelp.label("cnc.router.held", help: "Messages held for a type whose workers are absent or behind"),
            dimensions: [("cnc_type", type)])
        workers[type] = Gauge(
            label: MetricHelp.label("cnc.router.workers", help: "Workers of the type connected to the router"), dimensions: [("cnc_type", type)])
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
