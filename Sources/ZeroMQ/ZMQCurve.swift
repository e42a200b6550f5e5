import CZeroMQ

/// CURVE keys (ZeroMQ RFC 26): 32-byte Curve25519 keys, written as 40 characters of Z85 text.
public enum ZMQCurve {
    /// Whether this libzmq was built with CURVE (libsodium or its own tweetnacl).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// A new random keypair, as Z85 text.
    public static func generateKeypair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try check("zmq_curve_keypair", zmq_curve_keypair(&publicKey, &secretKey))
        return (text(publicKey), text(secretKey))
    }

    /// The public key that belongs to a Z85 secret key.
    public static func publicKey(secretKey: String) throws(ZMQError) -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        try check("zmq_curve_public", zmq_curve_public(&publicKey, secretKey))
        return text(publicKey)
    }

    /// True for 40 characters of valid Z85 text, the form every key setting takes.
    public static func isValidKey(_ text: String) -> Bool {
        guard text.utf8.count == 40 else { return false }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) != nil
    }

    /// The Z85 text of a 32-byte binary key (ZAP requests carry keys in binary).
    static func z85(_ key: [UInt8]) -> String? {
        guard key.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        return zmq_z85_encode(&text, key, key.count) == nil ? nil : Self.text(text)
    }

    /// The 40 characters of a key buffer libzmq filled (it adds a terminating NUL).
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
