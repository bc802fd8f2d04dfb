public import Crypto
public import Foundation
import NIOHTTP1
public import OpenKCMCore
import OpenKCMKeystoreHTTP

/// A customer's key in Azure Key Vault (RSA, `RSA-OAEP-256`) or Managed HSM
/// (AES, `A256KW`) as an L1, seal or shard key.
///
/// Key Vault's wrapKey takes no additional data, so the context is bound
/// inside: OpenKCM wraps `key | SHA-256(context)` and checks the digest in
/// constant time on unwrap. A wrapped key is `01 | version length (1) | key
/// version (UTF-8) | Key Vault's wrapped value`: unwrapping asks for the same
/// key version, so blobs stay readable after the customer rotates the key.
public struct AzureKeyVaultKeystore: Keystore {
    public let reference: KeystoreReference
    let name: String
    let algorithm: String
    let client: AzureKeyVaultClient

    /// - Parameters:
    ///   - keyName: the key's name in the vault (the latest version wraps).
    ///   - algorithm: `RSA-OAEP-256` (vault RSA keys) or `A256KW` (Managed HSM AES keys).
    public init(keyName: String, client: AzureKeyVaultClient, provider: String = "azure-keyvault", algorithm: String = "RSA-OAEP-256") {
        self.name = keyName
        self.client = client
        self.algorithm = algorithm
        self.reference = KeystoreReference(provider: provider, key: keyName)
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        let version = try await currentVersion()
        var bound = key.withUnsafeBytes { Data($0) } + Self.digest(context)
        defer { bound.resetBytes(in: 0..<bound.count) }
        let answer = try await client.call(.POST, keyPath: "\(escaped(name))/\(escaped(version))/wrapkey",
                                           ["alg": algorithm, "value": bound.base64URLEncoded], reference: reference)
        guard let value = (answer["value"] as? String).flatMap(Data.init(base64URLEncoded:)), !value.isEmpty else {
            throw KeystoreError.unreachable(reference, reason: "wrapkey answered without a value")
        }
        let versionBytes = Data(version.utf8)
        guard versionBytes.count < 256 else { throw KeystoreError.unreachable(reference, reason: "the key version is too long") }
        return Data([1, UInt8(versionBytes.count)]) + versionBytes + value
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        let blob = Array(wrapped)
        guard blob.count > 2, blob[0] == 1, blob.count > 2 + Int(blob[1]) else { throw KeystoreError.badCiphertext(reference) }
        let version = String(decoding: blob[2..<(2 + Int(blob[1]))], as: UTF8.self)
        let value = Data(blob[(2 + Int(blob[1]))...])
        let answer = try await client.call(.POST, keyPath: "\(escaped(name))/\(escaped(version))/unwrapkey",
                                           ["alg": algorithm, "value": value.base64URLEncoded], reference: reference)
        guard var bound = (answer["value"] as? String).flatMap(Data.init(base64URLEncoded:)) else { throw KeystoreError.badCiphertext(reference) }
        defer { bound.resetBytes(in: 0..<bound.count) }
        guard bound.count == 64, ConstantTime.equals(bound.suffix(32), Self.digest(context)) else { throw KeystoreError.badCiphertext(reference) }
        return SymmetricKey(data: bound.prefix(32))
    }

    /// The key's attributes: `enabled`, `exp` and `nbf` (Unix seconds), and whether it may wrap and unwrap.
    public func status() async -> KeystoreStatus {
        do {
            let answer = try await client.call(.GET, keyPath: escaped(name), reference: reference)
            let attributes = answer["attributes"] as? [String: Any] ?? [:]
            let now = Date().timeIntervalSince1970
            if attributes["enabled"] as? Bool == false { return .disabled(reason: "the key is disabled") }
            if let expiry = attributes["exp"] as? Double, expiry <= now { return .disabled(reason: "the key expired") }
            if let notBefore = attributes["nbf"] as? Double, notBefore > now { return .disabled(reason: "the key is not valid yet") }
            let operations = (answer["key"] as? [String: Any])?["key_ops"] as? [String] ?? ["wrapKey", "unwrapKey"]
            guard operations.contains("wrapKey"), operations.contains("unwrapKey") else {
                return .disabled(reason: "the key no longer allows wrapKey and unwrapKey")
            }
            return .enabled
        } catch let error as KeystoreError {
            switch error {
            case .notFound: return .deleted(reason: "the key does not exist (or is deleted)")
            case .disabled: return .disabled(reason: "the key is disabled")
            case .accessDenied(_, let reason): return .disabled(reason: "access denied: \(reason)")
            default: return .unreachable(reason: error.description)
            }
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }

    /// The version new wraps use: the last segment of the current key's `kid`.
    func currentVersion() async throws -> String {
        let answer = try await client.call(.GET, keyPath: escaped(name), reference: reference)
        guard let kid = (answer["key"] as? [String: Any])?["kid"] as? String, let version = kid.split(separator: "/").last,
              kid.split(separator: "/").count >= 2
        else { throw KeystoreError.unreachable(reference, reason: "the key answered without a kid") }
        return String(version)
    }

    private func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-"))) ?? segment
    }

    static func digest(_ context: KeystoreContext) -> Data {
        Data(SHA256.hash(data: (try? EncryptionContext(context.pairs))?.encoded ?? []))
    }
}

/// Key Vault rotation (a new key version, by the vault's rotation policy or
/// by hand) followed: each wrapped L2 names the version that made it, so the
/// schedule sees when the key's current version moved on and wraps the L2
/// again under it; the old version can then be disabled without locking the tenant.
extension AzureKeyVaultKeystore: KeystoreVersioning {
    /// The version new wraps use: the last segment of the key's current `kid`.
    public func latestVersion() async throws -> String {
        try await currentVersion()
    }

    public var ciphertextNamesVersion: Bool { true }

    /// The version in a wrapped key's own prefix (`01 | length | version | value`).
    public func version(of wrapped: [UInt8]) -> String? {
        guard wrapped.count > 2, wrapped[0] == 1, wrapped.count > 2 + Int(wrapped[1]), wrapped[1] > 0 else { return nil }
        return String(validating: wrapped[2..<(2 + Int(wrapped[1]))], as: UTF8.self)
    }
}
