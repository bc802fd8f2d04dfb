public import Crypto
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
