public import Crypto
import CryptoExtras
public import Foundation
import NIOHTTP1
public import OpenKCMCore

/// A customer's OpenBao / Vault transit key as an L1 (or a seal or shard key).
/// The tenant and purpose are bound as `associated_data` (AES-GCM keys), so a
/// wrapped L2 moved to another tenant fails to decrypt at the customer's server.
public struct TransitKeystore: Keystore {
    public let reference: KeystoreReference
    let name: String
    let client: TransitClient

    /// - Parameter provider: the name L1 links use for this connection.
    public init(keyName: String, client: TransitClient, provider: String? = nil) {
        self.name = keyName
        self.client = client
        self.reference = provider.map { KeystoreReference(provider: $0, key: keyName) }
            ?? KeystoreReference(provider: "transit", key: "\(client.mount)/\(keyName)")
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        let plaintext = key.withUnsafeBytes { Data($0).base64EncodedString() }
        let answer = try await client.call(
            .POST, "\(client.mount)/encrypt/\(escaped)", ["plaintext": plaintext, "associated_data": Self.associatedData(context)],
            reference: reference)
        guard let ciphertext = (answer["data"] as? [String: Any])?["ciphertext"] as? String else {
            throw KeystoreError.unreachable(reference, reason: "encrypt answered without a ciphertext")
        }
        return Data(ciphertext.utf8)
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        let answer = try await client.call(
            .POST, "\(client.mount)/decrypt/\(escaped)",
            ["ciphertext": String(decoding: wrapped, as: UTF8.self), "associated_data": Self.associatedData(context)],
            reference: reference)
        guard var plaintext = ((answer["data"] as? [String: Any])?["plaintext"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw KeystoreError.badCiphertext(reference)
        }
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        guard plaintext.count == 32 else { throw KeystoreError.badCiphertext(reference) }
        return SymmetricKey(data: plaintext)
    }

    /// Reads the key: soft-deleted means the customer pulled the plug.
    public func status() async -> KeystoreStatus {
        do {
            let answer = try await client.call(.GET, "\(client.mount)/keys/\(escaped)", reference: reference)
            let data = answer["data"] as? [String: Any] ?? [:]
            if data["soft_deleted"] as? Bool == true { return .disabled(reason: "the key is soft-deleted") }
            if data["supports_encryption"] as? Bool == false || data["supports_decryption"] as? Bool == false {
                return .disabled(reason: "the key no longer encrypts and decrypts")
            }
            return .enabled
        } catch let error as KeystoreError {
            switch error {
            case .notFound: return .deleted(reason: "the key does not exist")
            case .disabled: return .disabled(reason: "the key is disabled")
            case .accessDenied(_, let reason): return .disabled(reason: "access denied: \(reason)")
            default: return .unreachable(reason: error.description)
            }
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }

    var escaped: String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? name
    }

    /// The context in its canonical byte form (the envelope's), base64.
    static func associatedData(_ context: KeystoreContext) -> String {
        let canonical = (try? EncryptionContext(context.pairs))?.encoded ?? []
        return Data(canonical).base64EncodedString()
    }
}

extension TransitKeystore: KeystoreImporting {
    /// BYOK into transit: the material is wrapped with AES-KWP under a fresh
    /// ephemeral key, which is wrapped with RSA-OAEP-SHA256 under the server's
    /// `transit/wrapping_key`; `POST transit/keys/<name>/import` takes both.
    /// The key must not exist yet.
    public func importKey(_ material: SymmetricKey) async throws {
        let answer = try await client.call(.GET, "\(client.mount)/wrapping_key", reference: reference)
        guard let pem = (answer["data"] as? [String: Any])?["public_key"] as? String,
              let wrappingKey = try? _RSA.Encryption.PublicKey(pemRepresentation: pem)
        else { throw KeystoreError.unreachable(reference, reason: "transit/wrapping_key answered without an RSA public key") }
        let ephemeral = SymmetricKey(size: .bits256)
        let wrappedEphemeral = try ephemeral.withUnsafeBytes { try wrappingKey.encrypt(Data($0), padding: .PKCS1_OAEP_SHA256) }
        let wrappedMaterial = try material.withUnsafeBytes { try AESKeyWrapWithPadding.wrap(Array($0), using: ephemeral) }
        do {
            _ = try await client.call(.POST, "\(client.mount)/keys/\(escaped)/import", [
                "ciphertext": (wrappedEphemeral + wrappedMaterial).base64EncodedString(),
                "hash_function": "SHA256", "type": "aes256-gcm96",
            ], reference: reference)
        } catch KeystoreError.unreachable(_, let reason) where reason.hasPrefix("HTTP 400") || reason.contains("existing key") {
            // OpenBao answers 500 for "the import path cannot be used with an existing key".
            throw KeystoreError.importRefused(reference, reason: reason)
        }
    }
}

extension TransitKeystore: KeystoreVersioning {
    /// The key's `latest_version`: what `transit/encrypt` uses now.
    public func latestVersion() async throws -> String {
        let answer = try await client.call(.GET, "\(client.mount)/keys/\(escaped)", reference: reference)
        guard let latest = (answer["data"] as? [String: Any])?["latest_version"] as? Int else {
            throw KeystoreError.unreachable(reference, reason: "the key's description names no latest_version")
        }
        return String(latest)
    }

    public var ciphertextNamesVersion: Bool { true }

    /// `vault:v<N>:...`: the version is the ciphertext's own prefix.
    public func version(of wrapped: [UInt8]) -> String? {
        let text = String(decoding: wrapped.prefix(24), as: UTF8.self)
        guard text.hasPrefix("vault:v"), let end = text.dropFirst(7).firstIndex(of: ":") else { return nil }
        let digits = text[text.index(text.startIndex, offsetBy: 7)..<end]
        return digits.allSatisfy(\.isNumber) && !digits.isEmpty ? String(digits) : nil
    }
}
