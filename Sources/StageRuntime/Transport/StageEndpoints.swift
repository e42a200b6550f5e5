import Foundation

/// Where the stages find each other. Defaults are `ipc://` sockets in one private runtime
/// directory; every endpoint can be replaced by `tcp://` ones (see docs/configuration.md).
public struct StageEndpoints: Sendable {
    /// `MES_RUNTIME_DIR`: the directory of the default `ipc://` sockets.
    public var runtimeDirectory: String
    /// Where ingest sends; `routerListen` is what the router binds.
    public var router: [String]
    /// What the router binds; defaults to `router`.
    public var routerListen: [String]
    /// Where the stages send rows and rejections; `sinkListen` is what the sink binds.
    public var sink: [String]
    /// What the sink binds; defaults to `sink`.
    public var sinkListen: [String]
    /// Where ingest listens for the sinks' acknowledgements; `acknowledgementsListen` is what a sink binds.
    public var acknowledgements: [String]
    /// What a sink binds to publish acknowledgements; defaults to `acknowledgements`.
    public var acknowledgementsListen: [String]
    /// CURVE keys and the cleartext `tcp://` rule for every link of this process.
    public var security = LinkSecurity()

    /// `/tmp/cnc-collector-UID`, UID being this process's real user id: the default of `MES_RUNTIME_DIR`.
    public static func defaultRuntimeDirectory() -> String {
        "/tmp/cnc-collector-\(getuid())"
    }

    /// The endpoints from the flags' texts, their variables (`LinkSettings`) and the defaults
    /// under `MES_RUNTIME_DIR`; a listen setting defaults to its connect setting. Also reads the
    /// security settings (`LinkSecurity.resolve`).
    public static func resolve(
        runtimeDirectory: String? = nil, router: String? = nil, routerListen: String? = nil, sink: String? = nil, sinkListen: String? = nil,
        acknowledgements: String? = nil, acknowledgementsListen: String? = nil, environment: SettingsEnvironment = .process
    ) throws -> StageEndpoints {
        let directory = try StageSettings.runtimeDirectory.value(runtimeDirectory, derived: defaultRuntimeDirectory(), environment: environment)
        let routerEndpoints = try LinkSettings.router.value(router, derived: ["ipc://\(directory)/router.ipc"], environment: environment)
        let sinkEndpoints = try LinkSettings.sink.value(sink, derived: ["ipc://\(directory)/sink.ipc"], environment: environment)
        let acknowledgementEndpoints = try LinkSettings.acknowledgements.value(
            acknowledgements, derived: ["ipc://\(directory)/acks.ipc"], environment: environment)
        return StageEndpoints(
            runtimeDirectory: directory,
            router: routerEndpoints,
            routerListen: try LinkSettings.routerListen.value(routerListen, derived: routerEndpoints, environment: environment),
            sink: sinkEndpoints,
            sinkListen: try LinkSettings.sinkListen.value(sinkListen, derived: sinkEndpoints, environment: environment),
            acknowledgements: acknowledgementEndpoints,
            acknowledgementsListen: try LinkSettings.acknowledgementsListen.value(
                acknowledgementsListen, derived: acknowledgementEndpoints, environment: environment),
            security: try LinkSecurity.resolve(environment: environment)
        )
    }

    /// The default endpoint between the router and one type's workers.
    public func workerEndpoint(type: String) -> String {
        "ipc://\(runtimeDirectory)/worker-\(type).ipc"
    }

    /// Creates the runtime directory, private to this user (mode 0700), when it does not exist,
    /// whether or not an endpoint is `ipc://`, and refuses one that others could use: a directory
    /// someone else pre-created could hold their sockets in place of ours. Throws when it cannot be
    /// created or is not private.
    public func prepareRuntimeDirectory() throws {
        if !FileManager.default.fileExists(atPath: runtimeDirectory) {
            let parent = (runtimeDirectory as NSString).deletingLastPathComponent
            if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            // mkdir with the mode at once: Foundation makes a directory with the umask's mode
            // and narrows it afterwards, and a stage starting alongside could find it open
            // in between and refuse it.
            guard mkdir(runtimeDirectory, 0o700) == 0 || errno == EEXIST else {
                throw SettingError(reason: "MES_RUNTIME_DIR \(runtimeDirectory) cannot be created: \(String(cString: strerror(errno)))")
            }
        }
        // Checked after creating too: another user may have created it first.
        try Self.checkPrivate(directory: runtimeDirectory)
    }

    /// Throws unless `directory` is a real directory (not a symbolic link), owned by this user,
    /// with no permissions for group or others.
    public static func checkPrivate(directory: String) throws {
        var info = stat()
        guard lstat(directory, &info) == 0 else {
            throw SettingError(reason: "MES_RUNTIME_DIR \(directory): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw SettingError(reason: "MES_RUNTIME_DIR \(directory) is not a directory (a symbolic link is not accepted either)")
        }
        guard info.st_uid == getuid() else {
            throw SettingError(
                reason:
                    "MES_RUNTIME_DIR \(directory) belongs to user id \(info.st_uid), not to this user (\(getuid())): another user may have "
                    + "created it; remove it or choose another directory"
            )
        }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw SettingError(
                reason:
                    "MES_RUNTIME_DIR \(directory) has mode \(String(mode, radix: 8)): group and others must have no access (chmod 700 \(directory))")
        }
    }

    /// Throws a `SettingError` for an endpoint that is not `ipc://` or `tcp://` (an `inproc://` one
    /// would reach no other process), or an `ipc://` path longer than 107 bytes: ZeroMQ refuses
    /// `ipc://` paths longer than the kernel's socket path limit.
    public static func check(_ endpoints: [String]) throws {
        for endpoint in endpoints {
            if endpoint.hasPrefix("ipc://"), endpoint.utf8.count - 6 > 107 {
                throw SettingError(reason: "ipc endpoint \(endpoint) is longer than 107 bytes: choose a shorter MES_RUNTIME_DIR")
            }
            guard endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("tcp://") else {
                throw SettingError(reason: "endpoint \(endpoint) must start with ipc:// or tcp://")
            }
        }
    }
}
