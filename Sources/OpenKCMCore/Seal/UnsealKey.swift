import Crypto
import Foundation

/// The key operator shares rebuild, for a Shamir seal made since rekey
/// existed: it wraps the MasterKey (AES-256-GCM, bound to the share set), so
/// a rekey gives new shares of a new unseal key that wraps the same MasterKey,
/// and the old shares rebuild a key that opens nothing the store now holds.
/// (Seals made before it split the MasterKey itself; their first rekey moves
/// them to this form.)
enum UnsealKey {
    /// The MasterKey sealed under `unsealKey`, bound to the share set `setID`.
    static func seal(_ masterKey: MasterKey, under unsealKey: SymmetricKey, setID: [UInt8]) throws -> Data {
        let header = EnvelopeHeader(layer: .masterKey, keyID: keyID(of: unsealKey), keyVersion: 1)
        // The MasterKey's bytes are sealed straight from its zeroing storage, never copied.
        return try masterKey.key.withUnsafeBytes { bytes in
            Data(try EnvelopeCipher.seal(bytes, header: header, binding: binding(setID), key: unsealKey))
        }
    }

    /// Opens the MasterKey sealed by ``seal(_:under:setID:)``; a wrong unseal key (a wrong set of shares) fails the check.
    static func open(_ sealed: Data, under unsealKey: SymmetricKey, setID: [UInt8]) throws(ShamirError) -> MasterKey {
        guard let wrapped = try? WrappedKey(parsing: sealed), wrapped.header.layer == .masterKey,
              wrapped.header.keyID == keyID(of: unsealKey),
              var bytes = try? EnvelopeCipher.open(wrapped, binding: binding(setID), key: unsealKey)
        else { throw .keyCheckFailed }
        defer { bytes.resetBytes(in: 0..<bytes.count) }
        guard let masterKey = try? MasterKey(SymmetricKey(data: bytes)) else { throw .keyCheckFailed }
        return masterKey
    }

    private static func keyID(of unsealKey: SymmetricKey) -> KeyID {
        KeyID(prefixOf: HMAC<SHA256>.authenticationCode(for: Array("OpenKCM unseal key id v1".utf8), using: unsealKey))
    }

    private static func binding(_ setID: [UInt8]) -> EnvelopeBinding {
        EnvelopeBinding(context: EncryptionContext(trustedPairs: [(key: "purpose", value: "unseal"), (key: "share-set", value: setID.hexString)]))
    }
}
