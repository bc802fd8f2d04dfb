public import Crypto
import CryptoExtras
public import Foundation
public import OpenKCMCore

/// A customer's AWS KMS key as an L1 (or a seal / shard key): Encrypt and
/// Decrypt with the tenant bound as EncryptionContext, DescribeKey for status.
public struct AWSKMSKeystore: Keystore {
    public let reference: KeystoreReference
    let keyID: String
    let client: AWSKMSClient

    /// - Parameter keyID: key id, key ARN, alias name or alias ARN.
    /// - Parameter provider: the name L1 links use for this connection.
    public init(keyID: String, client: AWSKMSClient, provider: String = "aws-kms") {
        self.keyID = keyID
        self.client = client
        self.reference = KeystoreReference(provider: provider, key: keyID)
    }

    public func wrap(_ key: SymmetricKey, context: KeystoreContext) async throws -> Data {
        let plaintext = key.withUnsafeBytes { Data($0).base64EncodedString() }
        let answer = try await client.call(
            "Encrypt", ["KeyId": keyID, "Plaintext": plaintext, "EncryptionContext": context.pairs], reference: reference)
        guard let blob = (answer["CiphertextBlob"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw KeystoreError.unreachable(reference, reason: "Encrypt answered without a CiphertextBlob")
        }
        return blob
    }

    public func unwrap(_ wrapped: Data, context: KeystoreContext) async throws -> SymmetricKey {
        // KeyId pins the key: a blob of another key is refused even if the caller may use both.
        let answer = try await client.call(
            "Decrypt", ["KeyId": keyID, "CiphertextBlob": wrapped.base64EncodedString(), "EncryptionContext": context.pairs],
            reference: reference)
        guard var plaintext = (answer["Plaintext"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
            throw KeystoreError.badCiphertext(reference)
        }
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        guard plaintext.count == 32 else { throw KeystoreError.badCiphertext(reference) }
        return SymmetricKey(data: plaintext)
    }

    /// DescribeKey's KeyState. moto reports Disabled here but does not refuse
    /// Decrypt for a disabled key, so the kill switch reads this state.
    public func status() async -> KeystoreStatus {
        do {
            let answer = try await client.call("DescribeKey", ["KeyId": keyID], reference: reference)
            let metadata = answer["KeyMetadata"] as? [String: Any] ?? [:]
            switch metadata["KeyState"] as? String {
            case "Enabled": return .enabled
            case "PendingDeletion", "PendingReplicaDeletion": return .deleted(reason: "the key is scheduled for deletion")
            case let state?: return .disabled(reason: "the key is \(state)")
            case nil: return .unreachable(reason: "DescribeKey answered without a KeyState")
            }
        } catch let error as KeystoreError {
            switch error {
            case .notFound: return .deleted(reason: "the key does not exist")
            case .disabled: return .disabled(reason: "the key is disabled")
            // The customer's key policy or grant refuses us: their decision, the kill switch.
            case .accessDenied(_, let reason) where reason == "AccessDeniedException": return .disabled(reason: "access denied by the key policy")
            // A bad signature, an expired token, unknown credentials: our side is wrong, not the
            // customer's key; reported as unreachable so the grace period applies, never as a disable.
            case .accessDenied(_, let reason): return .unreachable(reason: "credentials problem: \(reason)")
            default: return .unreachable(reason: error.description)
            }
        } catch {
            return .unreachable(reason: "\(error)")
        }
    }
}

extension AWSKMSKeystore: KeystoreImporting {
    /// BYOK into AWS KMS: the customer makes the key with `Origin=EXTERNAL`;
    /// OpenKCM asks for import parameters (`RSAES_OAEP_SHA_256`, an RSA-2048
    /// wrapping key and an import token), encrypts the material to that key,
    /// and calls ImportKeyMaterial with material that does not expire.
    public func importKey(_ material: SymmetricKey) async throws {
        let parameters = try await client.call("GetParametersForImport", [
            "KeyId": keyID, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048",
        ], reference: reference)
        guard let der = (parameters["PublicKey"] as? String).flatMap({ Data(base64Encoded: $0) }),
              let wrappingKey = try? _RSA.Encryption.PublicKey(derRepresentation: der),
              let importToken = parameters["ImportToken"] as? String
        else { throw KeystoreError.unreachable(reference, reason: "GetParametersForImport answered without a public key and import token") }
        let encrypted = try material.withUnsafeBytes { try wrappingKey.encrypt(Data($0), padding: .PKCS1_OAEP_SHA256) }
        _ = try await client.call("ImportKeyMaterial", [
            "KeyId": keyID, "ImportToken": importToken, "EncryptedKeyMaterial": encrypted.base64EncodedString(),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        ], reference: reference)
    }
}

extension AWSKMSKeystore: KeystoreVersioning {
    /// Which key material encrypts now. DescribeKey's `CurrentKeyMaterialId`
    /// where AWS answers it (`material:<id>`): it works for a key in the
    /// customer's own account named by ARN or alias, as the L1 usually is.
    /// Else (older endpoints, moto) how many times the material was rotated
    /// (ListKeyRotations, automatic and on demand; `"0"` before the first),
    /// which only the key's own account may ask. Either changes exactly when
    /// the material does; a tenant whose noted version was of the other form
    /// is rewrapped once.
    public func latestVersion() async throws -> String {
        let described = try await client.call("DescribeKey", ["KeyId": keyID], reference: reference)
        if let material = (described["KeyMetadata"] as? [String: Any])?["CurrentKeyMaterialId"] as? String, !material.isEmpty {
            return "material:" + material
        }
        var count = 0
        var marker: String?
        repeat {
            var body: [String: Any] = ["KeyId": keyID, "Limit": 1000]
            if let marker { body["Marker"] = marker }
            let answer = try await client.call("ListKeyRotations", body, reference: reference)
            count += (answer["Rotations"] as? [Any])?.count ?? 0
            marker = answer["Truncated"] as? Bool == true ? answer["NextMarker"] as? String : nil
        } while marker != nil
        return String(count)
    }

    /// AWS ciphertext blobs do not say which key material made them: the key chain notes the
    /// version at each wrap instead (``TenantKeyRing/l1Version``).
    public func version(of wrapped: [UInt8]) -> String? { nil }

    public var ciphertextNamesVersion: Bool { false }
}
