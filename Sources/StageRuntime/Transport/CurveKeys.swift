import Foundation
import ZeroMQ

/// One process's CURVE settings: its own keypair, the public keys of the servers it connects
/// to, and (for the stages that bind) the directory of client keys it lets in.
///
/// Keys are files holding 40 characters of Z85 text, as `router curve-keypair NAME` writes
/// them: `NAME.key` (public, hand it out) and `NAME.key_secret` (secret, mode 0600).
public struct CurveKeys: Sendable {
    /// This process's secret key, 40 characters of Z85 text.
    public var secretKey: String
    /// Derived from `secretKey`.
    public var publicKey: String
    /// The router's public key (`MES_CURVE_ROUTER_KEY_FILE`): needed to connect to the router.
    public var routerKey: String?
    /// The sink's public key (`MES_CURVE_SINK_KEY_FILE`): needed to connect to the sink.
    public var sinkKey: String?
    /// `MES_CURVE_CLIENTS_DIR`: the `*.key` files of the clients a binding stage lets in.
    public var clientsDirectory: String?

    /// Keys as given, not checked; `resolve` reads and checks them.
    public init(secretKey: String, publicKey: String, routerKey: String? = nil, sinkKey: String? = nil, clientsDirectory: String? = nil) {
        self.secretKey = secretKey
        self.publicKey = publicKey
        self.routerKey = routerKey
        self.sinkKey = sinkKey
        self.clientsDirectory = clientsDirectory
    }

    /// Reads `MES_CURVE_SECRET_KEY_FILE`, `MES_CURVE_ROUTER_KEY_FILE`, `MES_CURVE_SINK_KEY_FILE`
    /// and `MES_CURVE_CLIENTS_DIR` through `setting` (the environment). Nil when CURVE is off
    /// (no secret key file).
    public static func resolve(_ setting: (String) -> String? = { SettingsEnvironment.process[$0] }) throws -> CurveKeys? {
        let others = [LinkSettings.curveRouterKeyFile, LinkSettings.curveSinkKeyFile, LinkSettings.curveClientsDirectory].map(\.description.variable)
        guard let secretPath = setting(LinkSettings.curveSecretKeyFile.description.variable) else {
            if let set = others.first(where: { setting($0) != nil }) {
                throw SettingError(reason: "\(set) is set but MES_CURVE_SECRET_KEY_FILE is not: CURVE needs this process's own secret key as well")
            }
            return nil
        }
        guard ZMQCurve.isAvailable else {
            throw SettingError(
                reason:
                    "MES_CURVE_SECRET_KEY_FILE is set but this libzmq was built without CURVE support (zmq_has(\"curve\") is false): install "
                    + "a libzmq built with libsodium"
            )
        }
        let secretKey = try readKey(secretPath, variable: LinkSettings.curveSecretKeyFile.description.variable, secret: true)
        let clientsDirectory = setting(LinkSettings.curveClientsDirectory.description.variable)
        if let clientsDirectory { _ = try clientKeys(in: clientsDirectory) }
        return CurveKeys(
            secretKey: secretKey,
            publicKey: try ZMQCurve.publicKey(secretKey: secretKey),
            routerKey: try setting(LinkSettings.curveRouterKeyFile.description.variable).map {
                try readKey($0, variable: LinkSettings.curveRouterKeyFile.description.variable, secret: false)
            },
            sinkKey: try setting(LinkSettings.curveSinkKeyFile.description.variable).map {
                try readKey($0, variable: LinkSettings.curveSinkKeyFile.description.variable, secret: false)
            },
            clientsDirectory: clientsDirectory
        )
    }

    /// The key in a key file. The error names the variable and the file, never the file's text.
    package static func readKey(_ path: String, variable: String, secret: Bool) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(reason: "\(variable): cannot read \(path)")
        }
        if secret {
            let mode = ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int ?? 0) & 0o777
            guard mode & 0o077 == 0 else {
                throw SettingError(
                    reason:
                        "\(variable): the secret key \(path) has mode \(String(mode, radix: 8)): group and others must have no access (chmod "
                        + "600 \(path))"
                )
            }
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard ZMQCurve.isValidKey(key) else {
            throw SettingError(
                reason: "\(variable): \(path) does not hold a CURVE key (40 characters of Z85 text; `router curve-keypair NAME` makes a pair)")
        }
        return key
    }

    /// The client keys of a `MES_CURVE_CLIENTS_DIR`, each with its file's name.
    package static func clientKeys(in directory: String) throws -> [String: String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".key") }.sorted()
        } catch {
            throw SettingError(reason: "MES_CURVE_CLIENTS_DIR: cannot read the directory \(directory)")
        }
        var keys: [String: String] = [:]
        for name in names {
            keys[try readKey("\(directory)/\(name)", variable: "MES_CURVE_CLIENTS_DIR", secret: false)] = name
        }
        return keys
    }

    /// Writes a new keypair to `NAME.key` (mode 0644) and `NAME.key_secret` (mode 0600); refuses
    /// to replace existing files. Returns the two paths.
    public static func writeKeypair(name: String) throws -> (publicPath: String, secretPath: String) {
        let (publicKey, secretKey) = try ZMQCurve.generateKeypair()
        let paths = (publicPath: "\(name).key", secretPath: "\(name).key_secret")
        for path in [paths.publicPath, paths.secretPath] where FileManager.default.fileExists(atPath: path) {
            throw SettingError(reason: "\(path) exists already: a key is never overwritten")
        }
        try write(secretKey, to: paths.secretPath, mode: 0o600)
        try write(publicKey, to: paths.publicPath, mode: 0o644)
        return paths
    }

    private static func write(_ key: String, to path: String, mode: mode_t) throws {
        // O_EXCL: never overwrite a key, and never follow a link someone left in its place.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard descriptor >= 0 else {
            throw SettingError(reason: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array("\(key)\n".utf8)
        guard fchmod(descriptor, mode) == 0, bytes.withUnsafeBytes({ Foundation.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw SettingError(reason: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
