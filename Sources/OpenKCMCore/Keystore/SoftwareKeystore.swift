public import Crypto
public import Foundation
import Synchronization

/// A keystore whose key lives in this process: AES-256-GCM envelopes under a
/// local key. For development and tests only; a production L1 lives in the
/// customer's KMS or HSM.
public final class SoftwareKeystore: Keystore {
    public let reference: KeystoreReference
    private let key: SymmetricKey
    private let keyID: KeyID
    private let state = Mutex<KeystoreStatus>(.enabled)

    /// - Parameters:
    ///   - name: the key's name, shown as `software:<name>`.
    ///   - key: a 256-bit key; a fresh random one by default.
    public init(name: String, key: SymmetricKey = SymmetricKey(size: .bits256)) {
        self.reference = KeystoreReference(provider: "software", key: name)
        self.key = key
        let mac = HMAC<SHA256>.authenticationCode(for: Array("OpenKCM software keystore key id v1".utf8), using: key)
        self.keyID = KeyID(prefixOf: mac)
    }

    /// Simulates the owner disabling or deleting the key (dev and tests).
    public func setStatus(_ status: KeystoreStatus) {
        state.withLock { $0 = status }
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        try checkUsable()
        let header = EnvelopeHeader(layer: context.purpose, keyID: keyID, keyVersion: 1)
        return Data(try EnvelopeCipher.wrap(key, header: header, binding: binding(context), wrappingKey: self.key))
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        try checkUsable()
        do {
            let envelope = try WrappedKey(parsing: wrapped)
            guard envelope.header.keyID == keyID else { throw KeystoreError.badCiphertext(reference) }
            return try EnvelopeCipher.unwrap(envelope, expecting: context.purpose, binding: binding(context), wrappingKey: key)
        } catch {
            throw KeystoreError.badCiphertext(reference)
        }
    }

    public func status() async -> KeystoreStatus {
        state.withLock { $0 }
    }

    private func checkUsable() throws(KeystoreError) {
        switch state.withLock({ $0 }) {
        case .enabled: return
        case .disabled: throw .disabled(reference)
        case .deleted: throw .notFound(reference)
        case .unreachable(let reason): throw .unreachable(reference, reason: reason)
        }
    }

    private func binding(_ context: KeystoreContext) -> EnvelopeBinding {
        EnvelopeBinding(tenant: context.tenant, context: context.region.isEmpty ? .empty : ((try? EncryptionContext(["openkcm:region": context.region])) ?? .empty))
    }
}
