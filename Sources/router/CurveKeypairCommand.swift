import ArgumentParser
import StageRuntime

/// `router curve-keypair NAME`: makes the CURVE keys every stage's security settings point at.
struct CurveKeypairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve-keypair",
        abstract: "Write a new CURVE keypair: NAME.key (public, give it to the peers) and NAME.key_secret (secret, mode 0600).",
        discussion: "Existing files are never overwritten. See docs/security.md, section CURVE between hosts, for which stage needs which key."
    )

    @Argument(help: "Path and name of the two files, without extension, e.g. keys/sink")
    var name: String

    func run() throws {
        let paths = try CurveKeys.writeKeypair(name: name)
        print("public key: \(paths.publicPath)\nsecret key: \(paths.secretPath)")
    }
}
