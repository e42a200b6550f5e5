import ArgumentParser
import CollectorCore
import Foundation
import StageRuntime

/// The filter options `rejected` and `replay` share.
public struct RejectedFilterOptions: ParsableArguments {
    @Option(name: .customLong("stage"), help: "Only this stage (ingest, router, worker, sink); repeatable")
    var stages: [String] = []
    @Option(help: "Only this machine")
    var cncID: String?
    @Option(help: "Only reasons containing this text (any case)")
    var reason: String?
    @Option(help: "At most this many rows or messages")
    var limit = 100
    @Option(name: DatabaseSettings.url.name, help: DatabaseSettings.url.help)
    var databaseURL: String?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// The filter these options select, with `defaultStages` when no `--stage` is given; throws a `ValidationError` naming
    /// an unknown stage.
    func filter(defaultStages: [String] = [], includeReplayed: Bool = false) throws -> RejectedMessages.Filter {
        for stage in stages where Stage(rawValue: stage) == nil {
            throw ValidationError("unknown stage \"\(stage)\": use ingest, router, worker or sink")
        }
        var filter = RejectedMessages.Filter()
        filter.stages = stages.isEmpty ? defaultStages : stages
        filter.cncID = cncID
        filter.reasonContains = reason
        filter.limit = limit
        filter.includeReplayed = includeReplayed
        return filter
    }

    /// The libpq connection string: `--database-url`, else `DATABASE_URL`, else empty for libpq's own defaults.
    func conninfo() throws -> String {
        try DatabaseSettings.conninfo(databaseURL)
    }
}
