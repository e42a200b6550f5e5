import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Ingest

@Suite("SHA-256 and CRC-32C")
struct ChecksumTests {
    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    // Expected digests from FIPS 180-4's examples and Python's hashlib.
    @Test(
        "SHA-256 known answers, across the padding boundaries",
        arguments: [
            ([UInt8](), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            ((0..<3).flatMap { _ in (0...255).map { UInt8($0) } }, "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363"),
        ])
    func sha256(input: [UInt8], expected: String) {
        #expect(Self.hex(SHA256.hash(input)) == expected)
    }

    @Test("SHA-256 of a million bytes fed in uneven pieces")
    func sha256Pieces() {
        var hasher = SHA256()
        var left = 1_000_000, piece = 1
        while left > 0 {
            let count = min(piece, left)
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: count))
            left -= count
            piece = piece * 3 % 1_001 + 1
        }
        #expect(Self.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("CRC-32C check value and sensitivity")
    func crc32c() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        #expect(CRC32C.checksum([0]) != CRC32C.checksum([0, 0]))
        // RFC 3720's (iSCSI) vectors, 32 bytes each: eight bytes a step four times.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test("CRC-32C eight bytes a step agrees with a byte at a time, at every length and alignment")
    func crc32cSlicing() {
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        func reference(_ input: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in input {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        for start in 0..<9 {
            for end in start...bytes.count where (end - start) % 7 == 0 || end - start < 20 {
                let slice = bytes[start..<end]
                #expect(slice.withUnsafeBytes { CRC32C.checksum($0) } == reference(slice), "bytes \(start)..<\(end)")
            }
        }
    }
}
