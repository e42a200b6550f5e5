import Foundation
import Testing
import ZeroMQ

@testable import StageRuntime

@Suite("CURVE keys")
struct CurveKeysTests {
    static func reason(_ body: () throws -> Void) -> String? {
        RuntimeDirectoryTests.reason(body)
    }

    @Test("curve-keypair writes a matching pair, the secret one private, and never overwrites")
    func keypair() throws {
        let base = try RuntimeDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let paths = try CurveKeys.writeKeypair(name: "\(base)/sink")
        #expect(paths == ("\(base)/sink.key", "\(base)/sink.key_secret"))
        let attributes = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try attributes(paths.secretPath) == 0o600)
        #expect(try attributes(paths.publicPath) == 0o644)
        let secret = try CurveKeys.readKey(paths.secretPath, variable: "S", secret: true)
        let `public` = try CurveKeys.readKey(paths.publicPath, variable: "P", secret: false)
        #expect(try ZMQCurve.publicKey(secretKey: secret) == `public`)
        #expect(secret != `public`)
        #expect(Self.reason { _ = try CurveKeys.writeKeypair(name: "\(base)/sink") } == "\(base)/sink.key exists already: a key is never overwritten")
    }

    @Test("a key file that holds no key is refused without showing its text; a readable secret key is refused")
    func badKeyFiles() throws {
        let base = try RuntimeDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let paths = try CurveKeys.writeKeypair(name: "\(base)/k")
        try "password=hunter2-not-a-key".write(toFile: "\(base)/bad.key", atomically: true, encoding: .utf8)
        let bad = Self.reason { _ = try CurveKeys.readKey("\(base)/bad.key", variable: "MES_CURVE_SINK_KEY_FILE", secret: false) }
        #expect(
            bad
                == "MES_CURVE_SINK_KEY_FILE: \(base)/bad.key does not hold a CURVE key (40 characters of Z85 text; `router curve-keypair "
                + "NAME` makes a pair)"
        )
        #expect(Self.reason { _ = try CurveKeys.readKey("\(base)/none", variable: "V", secret: false) } == "V: cannot read \(base)/none")
        chmod(paths.secretPath, 0o640)
        #expect(
            Self.reason { _ = try CurveKeys.readKey(paths.secretPath, variable: "MES_CURVE_SECRET_KEY_FILE", secret: true) }
                == "MES_CURVE_SECRET_KEY_FILE: the secret key \(paths.secretPath) has mode 640: group and others must have no access (chmod "
                + "600 \(paths.secretPath))"
        )
    }

    @Test("the clients directory yields every *.key by file name; a bad one is named")
    func clientsDirectory() throws {
        let base = try RuntimeDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        _ = try CurveKeys.writeKeypair(name: "\(base)/ingest")
        _ = try CurveKeys.writeKeypair(name: "\(base)/worker")
        let keys = try CurveKeys.clientKeys(in: base)
        #expect(keys.values.sorted() == ["ingest.key", "worker.key"])
        #expect(keys.keys.allSatisfy(ZMQCurve.isValidKey))
        try "x".write(toFile: "\(base)/broken.key", atomically: true, encoding: .utf8)
        #expect(
            Self.reason { _ = try CurveKeys.clientKeys(in: base) }?.hasPrefix("MES_CURVE_CLIENTS_DIR: \(base)/broken.key does not hold a CURVE key")
                == true)
        #expect(
            Self.reason { _ = try CurveKeys.clientKeys(in: "\(base)/missing") } == "MES_CURVE_CLIENTS_DIR: cannot read the directory \(base)/missing")
    }

    @Test("CURVE is off without a secret key; the other settings alone are refused; with one, the public key is derived")
    func resolve() throws {
        let base = try RuntimeDirectoryTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(try CurveKeys.resolve { _ in nil } == nil)
        let routerOnly = ["MES_CURVE_ROUTER_KEY_FILE": "\(base)/router.key"]
        #expect(
            Self.reason { _ = try CurveKeys.resolve { routerOnly[$0] } }
                == "MES_CURVE_ROUTER_KEY_FILE is set but MES_CURVE_SECRET_KEY_FILE is not: CURVE needs this process's own secret key as well")

        let own = try CurveKeys.writeKeypair(name: "\(base)/ingest")
        let router = try CurveKeys.writeKeypair(name: "\(base)/router")
        let settings = ["MES_CURVE_SECRET_KEY_FILE": own.secretPath, "MES_CURVE_ROUTER_KEY_FILE": router.publicPath]
        let keys = try #require(try CurveKeys.resolve { settings[$0] })
        #expect(keys.publicKey == (try CurveKeys.readKey(own.publicPath, variable: "", secret: false)))
        #expect(keys.routerKey == (try CurveKeys.readKey(router.publicPath, variable: "", secret: false)))
        #expect(keys.sinkKey == nil && keys.clientsDirectory == nil)
    }
}
