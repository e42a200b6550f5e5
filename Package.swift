// swift-tools-version:6.0
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let postgresNIO = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")

let package = Package(
    name: "cnc-collector",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ingest", targets: ["ingest"]),
        .executable(name: "router", targets: ["router"]),
        .executable(name: "worker", targets: ["worker"]),
        .executable(name: "sink", targets: ["sink"]),
        .executable(name: "cnc-emulator", targets: ["cnc-emulator"]),
        .executable(name: "mesctl", targets: ["mesctl"]),
        .executable(name: "board", targets: ["board"]),
        .executable(name: "mtconnect", targets: ["mtconnect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // C libraries, each seen by exactly one Swift wrapper module.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "SystemCalls"),
        // One blocking HTTP/1.0 GET with a deadline and a size bound: MTConnect agents, the stages' metrics.
        .target(name: "HTTPFetch", dependencies: ["SystemCalls"]),
        .target(name: "Mosquitto", dependencies: ["CMosquitto", "SystemCalls"]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ", "SystemCalls"]),
        .target(name: "LibPQ", dependencies: ["CLibPQ"]),

        // What every stage shares: the message, its validation results and the wire format.
        // No C types, no I/O.
        .target(name: "CollectorCore"),
        // The plugin API and the shipped machine types.
        .target(name: "CNCPlugins", dependencies: ["CollectorCore", "SystemCalls"]),

        // What every description file (machine types, message sources) shares: YAML with errors
        // that name the file, the line, the column and the field.
        .target(name: "DescriptionFiles", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Machine types described as data (YAML), and the catalog of every type a worker can serve.
        .target(
            name: "MachineTypes",
            dependencies: ["CollectorCore", "CNCPlugins", "DescriptionFiles", "StageRuntime", .product(name: "Yams", package: "Yams")]),
        // Message sources described as data: topics, and where each message's machine, time and
        // program are.
        .target(
            name: "MessageSources",
            dependencies: ["CollectorCore", "DescriptionFiles", "HTTPFetch", "StageRuntime", .product(name: "Yams", package: "Yams")]),

        // Sparkplug B: the payload's protobuf code (generated once, committed) and the host
        // application's logic, without I/O.
        .target(
            name: "Sparkplug",
            dependencies: ["CollectorCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Protobuf/sparkplug_b.proto"],
            // Every field of a decoded metric lives in a class (the generated code's storage), and
            // each read of one was a dynamic exclusivity check through thread-local storage: about
            // a tenth of ingest's time for a Sparkplug message. The module's own accesses are
            // checked at compile time all the same.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),

        // MTConnect: an agent's XML documents (probe, current, sample, errors) read into devices
        // and observations, without I/O.
        .target(name: "MTConnect", dependencies: ["CollectorCore"]),

        // The runtime every stage runs on: settings, lifecycle, logging, metrics and health,
        // and the ZeroMQ links between stages.
        .target(
            name: "StageRuntime",
            dependencies: [
                "CollectorCore", "ZeroMQ", "SystemCalls",
                argumentParser, logging, serviceLifecycle, unixSignals, metrics, prometheus,
            ]
        ),

        // The four stages, one module each; none sees another's code.
        // Every stage's own settings, described once, with the values they parse into: what the
        // stages read and what mesctl documents and checks, without mesctl linking the stages.
        .target(
            name: "PipelineSettings", dependencies: ["CollectorCore", "CNCPlugins", "StageRuntime", "MachineTypes", "MessageSources", "Mosquitto"]),
        // The database's schema, migrated in file-name order: by the sink, and by mesctl migrate.
        .target(name: "SchemaMigrations", dependencies: ["CollectorCore", "LibPQ", "StageRuntime", logging]),
        .target(
            name: "Ingest",
            dependencies: [
                "CollectorCore", "MessageSources", "PipelineSettings", "Sparkplug", "StageRuntime", "Mosquitto", "ZeroMQ", "SystemCalls", deque,
                argumentParser,
            ]),
        .target(
            name: "Router",
            dependencies: [
                "CollectorCore", "CNCPlugins", "MachineTypes", "PipelineSettings", "StageRuntime", "SystemCalls", "ZeroMQ", deque, argumentParser,
            ]),
        .target(
            name: "Worker",
            dependencies: [
                "CollectorCore", "CNCPlugins", "DescriptionFiles", "MachineTypes", "PipelineSettings", "StageRuntime", "SystemCalls", "ZeroMQ",
                argumentParser,
            ]),
        .target(
            name: "Sink",
            dependencies: [
                "CollectorCore", "StageRuntime", "MachineTypes", "LibPQ", "PipelineSettings", "SchemaMigrations", "SystemCalls", "ZeroMQ",
                argumentParser,
            ]),
        // A source stage of its own: follows MTConnect agents over HTTP and pushes to the router.
        .target(
            name: "MTConnectSource",
            dependencies: [
                "CollectorCore", "MTConnect", "MessageSources", "HTTPFetch", "PipelineSettings", "StageRuntime", "SystemCalls", "ZeroMQ", logging,
                metrics,
                argumentParser,
            ]),

        // The shop-floor board: web pages, a JSON API and a live event stream over the tables the
        // sink keeps, read with a role that can only read.
        .target(
            name: "Board",
            dependencies: [
                "CollectorCore", "MachineTypes", "PipelineSettings", "StageRuntime", hummingbird, postgresNIO, nioSSL, nioCore, deque, logging,
                metrics,
                serviceLifecycle,
                argumentParser,
            ],
            resources: [.embedInCode("Assets")]),

        // Around the pipeline: the machine emulator, and the operator's tools behind mesctl.
        // Publishing to a broker as a machine or gateway does, and the sample files published:
        // the emulator's, and mesctl's replay and try-type.
        .target(name: "MessagePublishing", dependencies: ["CollectorCore", "StageRuntime", "Mosquitto", logging]),
        .target(name: "Emulator", dependencies: ["CollectorCore", "StageRuntime", "Mosquitto", "MessagePublishing", "SystemCalls", argumentParser]),
        .target(
            name: "Operations",
            dependencies: [
                "CollectorCore", "StageRuntime", "DescriptionFiles", "MachineTypes", "MessageSources", "PipelineSettings", "SchemaMigrations",
                "MessagePublishing", "LibPQ", "Mosquitto", "HTTPFetch", "SystemCalls",
                argumentParser,
            ]
        ),

        // Thin executables: options and wiring.
        .executableTarget(name: "ingest", dependencies: ["Ingest", "StageRuntime", argumentParser]),
        .executableTarget(name: "router", dependencies: ["Router", "StageRuntime", argumentParser]),
        .executableTarget(name: "worker", dependencies: ["Worker", "StageRuntime", argumentParser]),
        .executableTarget(name: "sink", dependencies: ["Sink", "StageRuntime", argumentParser]),
        .executableTarget(name: "cnc-emulator", dependencies: ["Emulator", "StageRuntime", argumentParser]),
        .executableTarget(name: "mesctl", dependencies: ["Operations", "StageRuntime", argumentParser]),
        .executableTarget(name: "board", dependencies: ["Board", "StageRuntime", argumentParser]),
        .executableTarget(name: "mtconnect", dependencies: ["MTConnectSource", "StageRuntime", argumentParser]),

        // Unit tests, one target per module; they need no server.
        .target(name: "TestSupport", dependencies: ["CollectorCore", "CNCPlugins", "MachineTypes", "Ingest"], path: "Tests/TestSupport"),
        .testTarget(name: "CollectorCoreTests", dependencies: ["CollectorCore", "CNCPlugins", "TestSupport"]),
        .testTarget(name: "CNCPluginsTests", dependencies: ["CNCPlugins", "MachineTypes", "Router", "TestSupport"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker"]),
        .testTarget(name: "DocumentationTests"),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls"]),
        .testTarget(name: "PipelineSettingsTests", dependencies: ["PipelineSettings", "StageRuntime"]),
        .testTarget(name: "MachineTypesTests", dependencies: ["MachineTypes", "CNCPlugins", "DescriptionFiles", "TestSupport"]),
        .testTarget(name: "SparkplugTests", dependencies: ["Sparkplug", "CollectorCore"]),
        .testTarget(name: "HTTPFetchTests", dependencies: ["HTTPFetch"]),
        .testTarget(name: "MTConnectTests", dependencies: ["MTConnect", "CollectorCore"], exclude: ["Fixtures"]),
        .testTarget(name: "MessageSourcesTests", dependencies: ["MessageSources", "CollectorCore", "DescriptionFiles", "HTTPFetch"]),
        .testTarget(name: "StageRuntimeTests", dependencies: ["StageRuntime", "ZeroMQ", logging, prometheus]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "CNCPlugins", "TestSupport"]),
        .testTarget(name: "RouterTests", dependencies: ["Router", "CNCPlugins", "MachineTypes", "PipelineSettings", "StageRuntime", "TestSupport"]),
        .testTarget(name: "BoardTests", dependencies: ["Board", "CollectorCore", "PipelineSettings", "StageRuntime", nioCore]),
        .testTarget(name: "SinkTests", dependencies: ["Sink", "CNCPlugins", "TestSupport"]),
        .testTarget(
            name: "EmulatorTests",
            dependencies: [
                "Emulator", "Ingest", "Router", "CNCPlugins", "MachineTypes", "MessageSources", "StageRuntime", "SystemCalls",
                "TestSupport",
            ]),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Operations", "CNCPlugins", "MachineTypes", "PipelineSettings", "StageRuntime", "Ingest", "Router", "Worker", "Sink", "Board",
                "MTConnectSource", "TestSupport",
                argumentParser,
            ]),

        // Against the real broker, PostgreSQL and the built executables (scripts/test.sh).
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CollectorCore", "StageRuntime", "Operations", "Mosquitto", "LibPQ", "HTTPFetch", "SchemaMigrations"],
            // The board's browser tests, run by BoardTests; the power-cut file system, by
            // PowerCutTests; the Sparkplug edge nodes, by SparkplugTests; the MTConnect agent, by MTConnectTests.
            exclude: ["Browser", "PowerCut", "Sparkplug", "MTConnect"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
