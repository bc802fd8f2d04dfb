public import Crypto
import CryptoExtras
public import Foundation

/// AES key wrap with padding (RFC 5649, NIST SP 800-38F "KWP"), composed from
/// swift-crypto's AES block function. Providers that import customer key
/// material take it this way: OpenBao/Vault transit (`transit/keys/*/import`),
/// AWS KMS's `RSA_AES_KEY_WRAP_SHA_256`, PKCS#11's CKM_AES_KEY_WRAP_PAD.
public enum AESKeyWrapWithPadding {
    /// The alternative initial value's constant half (RFC 5649 section 3).
    private static let constant: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]

    public static func wrap(_ plaintext: some DataProtocol, using kek: SymmetricKey) throws -> Data {
        let input = Array(plaintext)
        guard !input.isEmpty, input.count <= Int(UInt32.max) else { throw KeyWrapError.invalidLength }
        let length = UInt32(input.count)
        let initial = constant + [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        var padded = input + [UInt8](repeating: 0, count: (8 - input.count % 8) % 8)
        defer { padded.zeroize() }
        if padded.count == 8 {
            var block = initial + padded
            defer { block.zeroize() }
            try AES.permute(&block, key: kek)
            return Data(block)
        }
        // RFC 3394's wrapping process W, started from the alternative initial value.
        let n = padded.count / 8
        var a = initial
        var r = stride(from: 0, to: padded.count, by: 8).map { Array(padded[$0..<($0 + 8)]) }
        defer { for index in r.indices { r[index].zeroize() } }
        for j in 0..<6 {
            for i in 0..<n {
                var block = a + r[i]
                try AES.permute(&block, key: kek)
                let t = UInt64(n * j + i + 1)
                a = Array(block[0..<8])
                for k in 0..<8 { a[7 - k] ^= UInt8(truncatingIfNeeded: t >> (8 * UInt64(k))) }
                r[i] = Array(block[8..<16])
                block.zeroize()
            }
        }
        return Data(a + r.flatMap { $0 })
    }

    /// Unwraps and checks the initial value, the length and the zero padding.
    public static func unwrap(_ ciphertext: some DataProtocol, using kek: SymmetricKey) throws -> Data {
        let input = Array(ciphertext)
        guard input.count >= 16, input.count % 8 == 0 else { throw KeyWrapError.invalidLength }
        var a: [UInt8]
        var padded: [UInt8]
        if input.count == 16 {
            var block = input
            try AES.inversePermute(&block, key: kek)
            a = Array(block[0..<8])
            padded = Array(block[8..<16])
            block.zeroize()
        } else {
            let n = input.count / 8 - 1
            a = Array(input[0..<8])
            var r = stride(from: 8, to: input.count, by: 8).map { Array(input[$0..<($0 + 8)]) }
            for j in (0..<6).reversed() {
                for i in (0..<n).reversed() {
                    let t = UInt64(n * j + i + 1)
                    for k in 0..<8 { a[7 - k] ^= UInt8(truncatingIfNeeded: t >> (8 * UInt64(k))) }
                    var block = a + r[i]
                    try AES.inversePermute(&block, key: kek)
                    a = Array(block[0..<8])
                    r[i] = Array(block[8..<16])
                    block.zeroize()
                }
            }
            padded = r.flatMap { $0 }
            for index in r.indices { r[index].zeroize() }
        }
        defer { padded.zeroize() }
        let length = Int(a[4]) << 24 | Int(a[5]) << 16 | Int(a[6]) << 8 | Int(a[7])
        // One failure for every check, so the answer says nothing about which one failed.
        var bad: UInt8 = 0
        for k in 0..<4 { bad |= a[k] ^ constant[k] }
        let lengthFits = length > padded.count - 8 && length <= padded.count
        if lengthFits { for byte in padded[length...] { bad |= byte } }
        guard bad == 0, lengthFits else { throw KeyWrapError.integrityCheckFailed }
        return Data(padded[..<length])
    }
}

/// Why a key wrap could not be made or opened.
public enum KeyWrapError: OpenKCMError, Equatable {
    case invalidLength
    case integrityCheckFailed

    public var code: String {
        switch self {
        case .invalidLength: "keywrap.invalid_length"
        case .integrityCheckFailed: "keywrap.integrity_check_failed"
        }
    }

    public var description: String {
        switch self {
        case .invalidLength: "the wrapped key has an impossible length"
        case .integrityCheckFailed: "the wrapped key failed its integrity check (wrong key or tampered)"
        }
    }
}
