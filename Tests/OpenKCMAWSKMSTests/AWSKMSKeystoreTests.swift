import Crypto
import Foundation
import Testing
import OpenKCMAWSKMS
import OpenKCMCore
import OpenKCMTestSupport

/// Against moto's AWS KMS API (started by scripts/test as OPENKCM_MOTO_URL).
/// moto checks no signature (the SigV4 suite covers that) and does not refuse
/// Decrypt for a disabled key (status reads DescribeKey instead, as the kill
/// switch does); everything else here is the real wire protocol.
@Suite struct AWSKMSKeystoreTests {
    static func client() -> AWSKMSClient? {
        guard let url = Peers.url("OPENKCM_MOTO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_MOTO_URL"))) }
            return nil
        }
        return AWSKMSClient(endpoint: url, region: "eu-west-1", credentials: .init(accessKeyID: "testing", secretAccessKey: "testing"))
    }

    static func createKey(_ client: AWSKMSClient) async throws -> String {
        let answer = try await client.call("CreateKey", ["Description": "openkcm test L1"], reference: KeystoreReference(provider: "aws-kms", key: "new"))
        return try #require((answer["KeyMetadata"] as? [String: Any])?["KeyId"] as? String)
    }

    @Test func wrapUnwrapWithTheTenantBoundAsEncryptionContext() async throws {
        guard let client = Self.client() else { return }
        let keystore = AWSKMSKeystore(keyID: try await Self.createKey(client), client: client)
        let key = SymmetricKey(size: .bits256)
        let wrapped = try await keystore.wrap(key, context: KeystoreContext(tenant: "acme", purpose: .l2))
        let opened = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "acme", purpose: .l2))
        #expect(opened == key)
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
            _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "globex", purpose: .l2))
        }
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
            _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "acme", purpose: .masterKey))
        }
    }

    @Test func statusFollowsTheCustomersKey() async throws {
        guard let client = Self.client() else { return }
        let keyID = try await Self.createKey(client)
        let keystore = AWSKMSKeystore(keyID: keyID, client: client)
        #expect(await keystore.status() == .enabled)
        _ = try await client.call("DisableKey", ["KeyId": keyID], reference: keystore.reference)
        guard case .disabled = await keystore.status() else { Issue.record("disabled key not reported"); return }
        _ = try await client.call("EnableKey", ["KeyId": keyID], reference: keystore.reference)
        #expect(await keystore.status() == .enabled)
        _ = try await client.call("ScheduleKeyDeletion", ["KeyId": keyID, "PendingWindowInDays": 7], reference: keystore.reference)
        guard case .deleted = await keystore.status() else { Issue.record("pending deletion not reported"); return }

        let missing = AWSKMSKeystore(keyID: "00000000-0000-0000-0000-000000000000", client: client)
        guard case .deleted = await missing.status() else { Issue.record("missing key not reported as deleted"); return }
        await #expect(throws: KeystoreError.notFound(missing.reference)) {
            _ = try await missing.wrap(SymmetricKey(size: .bits256), context: KeystoreContext(tenant: "acme", purpose: .l2))
        }
    }

    @Test func aTenantKeyChainOnAnAWSL1() async throws {
        guard let client = Self.client() else { return }
        let keystore = AWSKMSKeystore(keyID: try await Self.createKey(client), client: client)
        let barrier = SealedStorage(backend: InMemoryStorage())
        barrier.unseal(with: .generate())
        let chain = KeyChain(storage: barrier, keystores: KeystoreRegistry([keystore]))
        try await chain.createTenant(tenant("acme"), l1: keystore.reference)
        try await chain.createService(service("payments"), tenant: tenant("acme"))
        let dataKey = try await chain.generateDataKey(tenant: tenant("acme"), service: service("payments"))
        chain.evictTenant(tenant("acme"))  // the next call unwraps the L2 through AWS KMS again
        let opened = try await chain.unwrapDataKey(dataKey.wrapped, tenant: tenant("acme"), service: service("payments"))
        #expect(opened == dataKey.key)
    }

    @Test func anUnreachableEndpointIsNotADisable() async throws {
        let client = AWSKMSClient(endpoint: URL(string: "http://127.0.0.1:1")!, region: "eu-west-1",
                                  credentials: .init(accessKeyID: "testing", secretAccessKey: "testing"))
        let keystore = AWSKMSKeystore(keyID: "k", client: client)
        guard case .unreachable = await keystore.status() else { Issue.record("expected unreachable"); return }
        do {
            _ = try await keystore.wrap(SymmetricKey(size: .bits256), context: KeystoreContext(tenant: "acme", purpose: .l2))
            Issue.record("wrap succeeded")
        } catch let error as KeystoreError {
            guard case .unreachable = error else { Issue.record("expected unreachable, got \(error)"); return }
        }
    }
}
