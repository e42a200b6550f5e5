// swift-tools-version:6.0
import PackageDescription

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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C libraries, each seen by exactly one Swift wrapper module.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "Mosquitto", dependencies: ["CMosquitto"]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "LibPQ", dependencies: ["CLibPQ"]),

        // Pipeline logic: no C types, no I/O.
        .target(name: "CollectorCore"),
        .target(name: "CNCPlugins", dependencies: ["CollectorCore"]),

        // The stages as services, over the wrappers.
        .target(
            name: "CollectorServices",
            dependencies: [
                "CollectorCore", "CNCPlugins", "Mosquitto", "ZeroMQ", "LibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Thin executables.
        .executableTarget(name: "ingest", dependencies: ["CollectorServices", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "router", dependencies: ["CollectorServices", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "worker", dependencies: ["CollectorServices", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "sink", dependencies: ["CollectorServices", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "cnc-emulator", dependencies: ["CollectorServices", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "mesctl", dependencies: ["CollectorServices", "CollectorCore", "LibPQ", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(
            name: "CollectorCoreTests",
            dependencies: [
                "CollectorCore", "CNCPlugins", "CollectorServices", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["CollectorCore", "CollectorServices", "Mosquitto", "LibPQ"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
