public import Crypto
public import Foundation
import NIOHTTP1
public import OpenKCMCore

/// A customer's Cloud KMS CryptoKey (purpose `ENCRYPT_DECRYPT`) as an L1, seal
/// or shard key: encrypt and decrypt with the canonical context as
/// `additionalAuthenticatedData`, and CRC32C checks both ways as Google asks.
/// Decrypt finds the key version in the ciphertext, so blobs stay readable
/// after the customer rotates the key.
public struct GCPKMSKeystore: Keystore {
    public let reference: KeystoreReference
    /// `projects/P/locations/L/keyRings/R/cryptoKeys/K`
    let name: String
    let client: GCPKMSClient

    public init(keyName: String, client: GCPKMSClient, provider: String = "gcp-kms") {
        self.name = keyName
        self.client = client
        self.reference = KeystoreReference(provider: provider, key: keyName)
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        var plaintext = key.withUnsafeBytes { Data($0) }
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        let aad = Self.aad(context)
        let answer = try await client.call(.POST, name, verb: ":encrypt", [
            "plaintext": plaintext.base64EncodedString(), "additionalAuthenticatedData": aad.base64EncodedString(),
            "plaintextCrc32c": String(CRC32C.checksum(plaintext)), "additionalAuthenticatedDataCrc32c": String(CRC32C.checksum(aad)),
        ], reference: reference)
        guard let ciphertext = (answer["ciphertext"] as? String).flatMap({ Data(base64Encoded: $0) }),
              answer["verifiedPlaintextCrc32c"] as? Bool == true, answer["verifiedAdditionalAuthenticatedDataCrc32c"] as? Bool == true,
              Self.int64(answer["ciphertextCrc32c"]) == Int64(CRC32C.checksum(ciphertext))
        else { throw KeystoreError.unreachable(reference, reason: "encrypt's answer failed its CRC32C checks (corrupted in transit)") }
        return ciphertext
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        let aad = Self.aad(context)
        let answer = try await client.call(.POST, name, verb: ":decrypt", [
            "ciphertext": wrapped.base64EncodedString(), "additionalAuthenticatedData": aad.base64EncodedString(),
            "ciphertextCrc32c": String(CRC32C.checksum(wrapped)), "additionalAuthenticatedDataCrc32c": String(CRC32C.checksum(aad)),
        ], reference: reference)
        guard var plaintext = (answer["plaintext"] as? String).flatMap({ Data(base64Encoded: $0) }) else { throw KeystoreError.badCiphertext(reference) }
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        guard Self.int64(answer["plaintextCrc32c"]) == Int64(CRC32C.checksum(plaintext)) else {
            throw KeystoreError.unreachable(reference, reason: "decrypt's answer failed its CRC32C check (corrupted in transit)")
        }
        guard plaintext.count == 32 else { throw KeystoreError.badCiphertext(reference) }
        return SymmetricKey(data: plaintext)
    }

    /// The primary version's state: the key encrypts with it.
    public func status() async -> KeystoreStatus {
        do {
            let answer = try await client.call(.GET, name, reference: reference)
            switch (answer["primary"] as? [String: Any])?["state"] as? String {
            case "ENABLED": return .enabled
            case "DESTROYED"?, "DESTROY_SCHEDULED"?: return .deleted(reason: "the primary key version is destroyed or scheduled for destruction")
            case let state?: return .disabled(reason: "the primary key version is \(state)")
            case nil: return .disabled(reason: "the key has no primary version")
            }
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

    static func aad(_ context: KeystoreContext) -> Data {
        Data((try? EncryptionContext(context.pairs))?.encoded ?? [])
    }

    /// Google encodes int64 as a JSON string.
    static func int64(_ value: Any?) -> Int64? {
        (value as? String).flatMap { Int64($0) } ?? (value as? Int).map(Int64.init)
    }
}
