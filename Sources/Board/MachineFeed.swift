import CollectorCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import StageRuntime

/// Keeps `BoardEvents` current: refreshes the board from PostgreSQL when the sink notifies a
/// commit (`StoreNotifications.machinesChanged`), and on a timer every `refreshEvery` whatever
/// the notifications (a machine's silence turns it stale with no write at all).
///
/// Refreshes are `minimumGap` apart, and further when they take long: a refresh's snapshot keeps
/// PostgreSQL from pruning the versions of `machine_current` the sink leaves with every batch,
/// so refreshes back to back would make every read and every batch slower, the sink's too. At
/// most `busyShare` of the time is spent refreshing.
public struct MachineFeed: Service {
    /// The least time from the start of one refresh to the start of the next: 500 ms.
    public static let minimumGap: Duration = .milliseconds(500)
    /// The largest share of the time spent refreshing: the next refresh starts no sooner than `1 / busyShare` (4) times
    /// the last one's duration after that one started.
    public static let busyShare = 0.25
    /// A refresh is asked for every 5 s, notification or not.
    public static let refreshEvery: Duration = .seconds(5)
    /// How often every event stream is sent a keep-alive comment: 15 s.
    public static let keepAliveEvery: Duration = .seconds(15)

    let client: PostgresClient
    let queries: BoardQueries
    let events: BoardEvents
    let timeZone: String
    let lines: MachineLines
    let metrics: BoardMetrics
    let logger: Logger

    /// `/healthz` on the metrics address reports the feed alive while it runs, and `/readyz`
    /// ready while its last refresh read the database.
    public func run() async throws {
        StageHealth.process.setAlive(true)
        defer {
            StageHealth.process.setReady(false)
            StageHealth.process.setAlive(false)
        }
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake.yield()
        try? await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await listen(wake: wake) }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.refreshEvery)
                        wake.yield()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.keepAliveEvery)
                        await events.keepAlive()
                    }
                }
                let clock = ContinuousClock()
                var slow = SlowFigures()
                for await _ in wakes {
                    let started = clock.now
                    await refresh(&slow)
                    let took = clock.now - started
                    try await Task.sleep(until: started + max(Self.minimumGap, took * (1 / Self.busyShare)))
                }
            }
        }
        await events.finishAll()
    }

    /// Listens for the sink's commits on one connection; reconnects after a second when it fails.
    private func listen(wake: AsyncStream<Void>.Continuation) async {
        if (try? await queries.canWrite()) == true {
            logger.warning("the board's database role can change machine_current: give the board a role that can only read (docs/board.md)")
        }
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: StoreNotifications.machinesChanged) { notifications in
                        // Whatever committed before the listening began is read by this refresh.
                        wake.yield()
                        for try await _ in notifications {
                            metrics.notifications.increment()
                            wake.yield()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "listening for the sink's commits failed; trying again in a second", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// A figure read again only every `every` (or when its key changes), not at each refresh:
    /// the plant's availability moves slowly and costs two lookups a machine; the quality marks
    /// of the last hour cost a read of every partition's index of marked states.
    struct PeriodicRead<Key: Equatable, Value> {
        let every: Duration
        var key: Key?
        var value: Value?
        var readAt: ContinuousClock.Instant?

        init(every: Duration) {
            self.every = every
        }

        mutating func current(_ key: Key, read: () async throws -> Value) async rethrows -> Value {
            let now = ContinuousClock.now
            if let value, key == self.key, let readAt, now - readAt < every { return value }
            let value = try await read()
            (self.key, self.value, readAt) = (key, value, now)
            return value
        }
    }

    /// What refreshes read less often than every refresh.
    struct SlowFigures {
        var availability = PeriodicRead<String, Double?>(every: .seconds(5))
        var quality = PeriodicRead<Bool, BoardQueries.QualityMarks>(every: .seconds(10))
    }

    /// One refresh: the current period, every machine and the plant's availability, published
    /// as the events of what changed.
    func refresh(_ slow: inout SlowFigures) async {
        let started = ContinuousClock.now
        do {
            let period = try await queries.currentPeriod()
            let quality = try await slow.quality.current(true) { try await queries.qualityLastHour() }
            let machines = try await queries.machines(periodStart: period.from, mapLines: lines.current(), quality: quality)
            let availability = try await slow.availability.current(period.from) { try await queries.plantAvailability(from: period.from) }
            var counts = Dictionary(uniqueKeysWithValues: BoardQueries.statuses.map { ($0, 0) })
            for machine in machines { counts[machine.status, default: 0] += 1 }
            let plant = PlantSummary(time_zone: timeZone, shift: period, availability: availability, counts: counts)
            let plantJSON = String(decoding: try Self.encoder.encode(plant), as: UTF8.self)
            let generatedAt = Self.rfc3339(Date())
            await events.publish(machines: machines.map { ($0.cncID, $0.json) }, plant: plantJSON) { id in
                var body = #"{"generated_at":""# + generatedAt + #"","event_id":""# + "\(id)" + #"","plant":"# + plantJSON + #","machines":["#
                body += machines.map(\.json).joined(separator: ",")
                return body + "]}"
            }
            metrics.refreshes.increment()
            StageHealth.process.setReady(true)
            let elapsed = (ContinuousClock.now - started).components
            metrics.refreshDuration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        } catch {
            metrics.refreshFailures.increment()
            StageHealth.process.setReady(false)
            logger.error("refreshing the board failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// The header of the board: the plant's time zone, the period, its availability and the
    /// machines in each status.
    struct PlantSummary: Encodable {
        var time_zone: String
        var shift: BoardQueries.Period
        var availability: Double?
        var counts: [String: Int]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(time_zone, forKey: .time_zone)
            try container.encode(shift, forKey: .shift)
            try container.encode(availability, forKey: .availability)
            try container.encode(counts, forKey: .counts)
        }

        /// The members of the header's JSON.
        enum CodingKeys: String, CodingKey {
            case time_zone, shift, availability, counts
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
