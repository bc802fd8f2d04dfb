import Crypto
import Foundation
import Synchronization
import Testing
import OpenKCMCore
import OpenKCMGCPKMS
import OpenKCMKeystoreHTTP

/// The Cloud KMS keystore against ``GCPKMSFake`` (Google Cloud does not run
/// here): a service-account JWT for the token, the documented request shapes
/// with CRC32C both ways, context as AAD, rotation, and disabled or destroyed
/// key versions as the kill switch.
@Suite struct GCPKMSKeystoreTests {
    static let keyName = "projects/pied-piper/locations/europe-west1/keyRings/openkcm/cryptoKeys/tenant-l1"

    @Test func wrapsUnwrapsAndFollowsTheCustomersKey() async throws {
        let fake = try GCPKMSFake()
        fake.addKey(Self.keyName)
        try await withFakeService(fake.router) { url in
            let account = try GCPServiceAccount(json: try fake.serviceAccountJSON(tokenURI: url.appendingPathComponent("token")))
            let keystore = GCPKMSKeystore(keyName: Self.keyName, client: GCPKMSClient(endpoint: url, tokens: account.tokens()), provider: "pied-gcp")
            let key = SymmetricKey(size: .bits256)
            let context = KeystoreContext(tenant: "pied", purpose: .l2)
            let wrapped = try await keystore.wrap(key, context: context)
            #expect(try await keystore.unwrap(wrapped, context: context) == key)
            #expect(await keystore.status() == .enabled)

            await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
                _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "hooli", purpose: .l2))
            }

            // Rotation: the new primary wraps, the old blob still opens.
            fake.rotate(Self.keyName)
            let rewrapped = try await keystore.wrap(key, context: context)
            #expect(rewrapped.first == 2 && wrapped.first == 1)
            #expect(try await keystore.unwrap(wrapped, context: context) == key)

            // The kill switch: the customer disables the versions, then destroys one.
            fake.setState(Self.keyName, version: 2, "DISABLED")
            fake.setState(Self.keyName, version: 1, "DISABLED")
            guard case .disabled = await keystore.status() else { Issue.record("expected disabled"); return }
            await #expect(throws: KeystoreError.disabled(keystore.reference)) { _ = try await keystore.unwrap(wrapped, context: context) }
            fake.setState(Self.keyName, version: 1, "ENABLED")
            fake.setState(Self.keyName, version: 2, "ENABLED")
            #expect(try await keystore.unwrap(wrapped, context: context) == key)
            fake.setState(Self.keyName, version: 2, "DESTROY_SCHEDULED")
            guard case .deleted = await keystore.status() else { Issue.record("expected deleted"); return }
            fake.setState(Self.keyName, version: 2, "ENABLED")

            // A ciphertext corrupted on the way back fails the CRC32C check and is not kept.
            fake.corruptAnswers.store(true, ordering: .relaxed)
            await #expect(throws: KeystoreError.self) { _ = try await keystore.wrap(key, context: context) }
            fake.corruptAnswers.store(false, ordering: .relaxed)

            let missing = GCPKMSKeystore(keyName: Self.keyName + "-gone", client: GCPKMSClient(endpoint: url, tokens: account.tokens()))
            guard case .deleted = await missing.status() else { Issue.record("expected deleted"); return }
        }
        #expect(fake.violations.all.isEmpty, "\(fake.violations.all)")
    }
}
