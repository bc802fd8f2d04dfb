import Crypto
import Foundation
import Testing
import OpenKCMAzureKeyVault
import OpenKCMCore
import OpenKCMKeystoreHTTP
import Synchronization

/// The Azure Key Vault keystore against ``AzureKeyVaultFake`` (Azure does not
/// run here): the exact request shapes, context binding, key rotation,
/// disable/delete as the kill switch, and token refresh.
@Suite struct AzureKeyVaultKeystoreTests {
    @Test func wrapsUnwrapsAndFollowsTheCustomersKey() async throws {
        let fake = AzureKeyVaultFake()
        try fake.addKey("acme-l1")
        try await withFakeService(fake.router) { url in
            let client = AzureKeyVaultClient(vault: url, tokens: AzureKeyVaultClient.clientCredentials(
                authority: url, tenantID: fake.tenantID, clientID: fake.clientID, clientSecret: fake.clientSecret))
            let keystore = AzureKeyVaultKeystore(keyName: "acme-l1", client: client, provider: "acme-azure")
            let key = SymmetricKey(size: .bits256)
            let context = KeystoreContext(tenant: "acme", purpose: .l2)
            let wrapped = try await keystore.wrap(key, context: context)
            #expect(try await keystore.unwrap(wrapped, context: context) == key)
            #expect(await keystore.status() == .enabled)

            // Bound to the tenant: another tenant's context, or a flipped bit, is refused.
            await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
                _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "globex", purpose: .l2))
            }
            var tampered = wrapped
            tampered[tampered.count - 1] ^= 1
            await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) { _ = try await keystore.unwrap(tampered, context: context) }

            // The customer rotates: new wraps use v2, the v1 blob still opens; the key chain sees the
            // wrapped L2 is behind (its own version against the key's current one) and wraps it again.
            #expect(try await keystore.latestVersion() == "v1" && keystore.version(of: Array(wrapped)) == "v1")
            try fake.rotate("acme-l1")
            #expect(try await keystore.latestVersion() == "v2")
            let rewrapped = try await keystore.wrap(key, context: context)
            #expect(String(decoding: rewrapped[2..<4], as: UTF8.self) == "v2")
            #expect(keystore.version(of: Array(rewrapped)) == "v2" && keystore.ciphertextNamesVersion)
            #expect(keystore.version(of: [1, 0]) == nil && keystore.version(of: [2, 2, 0x76, 0x31, 0]) == nil)
            #expect(try await keystore.unwrap(wrapped, context: context) == key)
            #expect(try await keystore.unwrap(rewrapped, context: context) == key)

            // The kill switch: disabled, then deleted.
            fake.setEnabled("acme-l1", false)
            guard case .disabled = await keystore.status() else { Issue.record("expected disabled"); return }
            await #expect(throws: KeystoreError.disabled(keystore.reference)) { _ = try await keystore.unwrap(wrapped, context: context) }
            fake.setEnabled("acme-l1", true)
            #expect(try await keystore.unwrap(wrapped, context: context) == key)

            // An expired token is replaced without the caller noticing.
            fake.revokeTokens()
            #expect(try await keystore.unwrap(wrapped, context: context) == key)
            #expect(fake.tokenRequests.load(ordering: .relaxed) == 2)

            fake.delete("acme-l1")
            guard case .deleted = await keystore.status() else { Issue.record("expected deleted"); return }
            await #expect(throws: KeystoreError.notFound(keystore.reference)) { _ = try await keystore.unwrap(wrapped, context: context) }

            // Wrong client secret: access denied, as a status and as an error.
            let stranger = AzureKeyVaultKeystore(keyName: "acme-l1", client: AzureKeyVaultClient(vault: url, tokens: AzureKeyVaultClient.clientCredentials(
                authority: url, tenantID: fake.tenantID, clientID: fake.clientID, clientSecret: "wrong")))
            await #expect(throws: KeystoreError.self) { _ = try await stranger.wrap(key, context: context) }
        }
        #expect(fake.violations.all.isEmpty, "\(fake.violations.all)")
    }
}
