import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport
import NIOHTTP1
import OpenKCMTransit

/// Against the real OpenBao server (`bao server -dev`, started by scripts/test
/// as OPENKCM_BAO_URL with the transit engine mounted).
@Suite struct TransitKeystoreTests {
    static func client(token: String = "root") -> TransitClient? {
        guard let url = Peers.url("OPENKCM_BAO_URL") else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_BAO_URL"))) }
            return nil
        }
        return TransitClient(address: url, token: token)
    }

    static func createKey(_ client: TransitClient) async throws -> String {
        let name = "l1-\(UUID().uuidString.lowercased().prefix(8))"
        _ = try await client.call(.POST, "transit/keys/\(name)", [:], reference: KeystoreReference(provider: "transit", key: name))
        return name
    }

    @Test func wrapUnwrapWithTheTenantBoundAsAssociatedData() async throws {
        guard let client = Self.client() else { return }
        let keystore = TransitKeystore(keyName: try await Self.createKey(client), client: client)
        let key = SymmetricKey(size: .bits256)
        let wrapped = try await keystore.wrap(key, context: KeystoreContext(tenant: "acme", purpose: .l2))
        #expect(String(decoding: wrapped, as: UTF8.self).hasPrefix("vault:v1:"))
        #expect(try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "acme", purpose: .l2)) == key)
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
            _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "globex", purpose: .l2))
        }
    }

    @Test func softDeleteIsTheKillSwitchAndRestoreBringsEverythingBack() async throws {
        guard let client = Self.client() else { return }
        let name = try await Self.createKey(client)
        let keystore = TransitKeystore(keyName: name, client: client)
        let barrier = SealedStorage(backend: InMemoryStorage())
        barrier.unseal(with: .generate())
        let chain = KeyChain(storage: barrier, keystores: KeystoreRegistry([keystore]))
        try await chain.createTenant(tenant("acme"), l1: keystore.reference)
        try await chain.createService(service("payments"), tenant: tenant("acme"))
        let dataKey = try await chain.generateDataKey(tenant: tenant("acme"), service: service("payments"))
        #expect(await keystore.status() == .enabled)

        // The customer soft-deletes the key at their own server.
        _ = try await client.call(.DELETE, "transit/keys/\(name)/soft-delete", reference: keystore.reference)
        guard case .disabled = await keystore.status() else { Issue.record("soft-delete not reported"); return }
        chain.evictTenant(tenant("acme"))
        await #expect(throws: KeystoreError.disabled(keystore.reference)) {
            _ = try await chain.unwrapDataKey(dataKey.wrapped, tenant: tenant("acme"), service: service("payments"))
        }

        _ = try await client.call(.POST, "transit/keys/\(name)/soft-delete-restore", [:], reference: keystore.reference)
        #expect(await keystore.status() == .enabled)
        #expect(try await chain.refreshL1Status(tenant("acme")) == .unlocked)
        #expect(try await chain.unwrapDataKey(dataKey.wrapped, tenant: tenant("acme"), service: service("payments")) == dataKey.key)
    }

    @Test func missingKeysBadTokensAndUnreachableServersAreTyped() async throws {
        guard let client = Self.client() else { return }
        let missing = TransitKeystore(keyName: "does-not-exist", client: client)
        guard case .deleted = await missing.status() else { Issue.record("missing key not reported as deleted"); return }

        let name = try await Self.createKey(client)
        guard let stranger = Self.client(token: "not-a-token") else { return }
        let refused = TransitKeystore(keyName: name, client: stranger)
        await #expect(throws: KeystoreError.accessDenied(refused.reference, reason: "permission denied")) {
            _ = try await refused.wrap(SymmetricKey(size: .bits256), context: KeystoreContext(tenant: "acme", purpose: .l2))
        }

        let nowhere = TransitKeystore(keyName: name, client: TransitClient(address: URL(string: "http://127.0.0.1:1")!, token: "root"))
        guard case .unreachable = await nowhere.status() else { Issue.record("expected unreachable"); return }
    }
}
