import Foundation
import NIOHTTP1
import OpenKCMTransit
import Testing
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMApp

/// The MasterKey sealed by the real peers: Shamir shares each wrapped by its
/// own keystore (AWS KMS on moto, OpenBao transit, SoftHSM2), any two of three
/// unseal with no operator; auto-unseal by each keystore alone; a disabled seal
/// key or the wrong key leaves the server sealed and says why, and it unseals
/// once the key is back.
@Suite struct RealKeystoreSealTests {
    /// A restart: a new core over the same store and audit log, with freshly made connections.
    static func restart(_ harness: ServerHarness, _ peers: CustomerKMSPeers, down: String? = nil) async throws -> ServerCore {
        let registry = KeystoreRegistry()
        registry.register(harness.l1)
        try peers.register(into: registry, down: down)
        return try await ServerCore(backend: harness.storage, keystores: registry, auditLog: AuditLogFile(path: harness.auditPath))
    }

    @Test func anyTwoOfThreeShardKeystoresUnseal() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        var core = try await harness.makeCore()
        _ = try await core.initializeWithShardKeystores(peers.references, threshold: 2)
        try await core.unsealed().keyChain.createTenant(tenant("acme"), l1: harness.l1.reference)
        await core.seal()

        // Each of the three pairs: the third keystore is down, and the server unseals by itself.
        for down in ["acme-aws", "globex-bao", "umbrella-hsm"] {
            core = try await Self.restart(harness, peers, down: down)
            let start = ContinuousClock.now
            try await core.autoUnseal()
            print("shard unseal with \(down) down: \(ContinuousClock.now - start)")
            #expect(!core.status.sealed)
            #expect(try await core.unsealed().keyChain.tenants().map(\.rawValue) == ["acme"])
            await core.seal()
        }

        // Two down: fewer than the threshold answer; sealed, with the reason in the status.
        let registry = KeystoreRegistry()
        var sections = peers.sections
        sections["acme-aws"]?["endpoint"] = "http://127.0.0.1:9"
        sections["globex-bao"]?["address"] = "http://127.0.0.1:9"
        try KeystoreProviders.register(sections, into: registry, environment: CustomerKMSPeers.environment)
        core = try await ServerCore(backend: harness.storage, keystores: registry, auditLog: AuditLogFile(path: harness.auditPath))
        await #expect(throws: (any Error).self) { try await core.autoUnseal() }
        #expect(core.status.sealed && core.status.autoUnsealError?.contains("unreachable") == true, "\(core.status)")
        #expect(core.wantsAutoUnseal)
    }

    @Test(arguments: ["acme-aws", "globex-bao", "umbrella-hsm"])
    func eachRealKeystoreAutoUnsealsAlone(provider: String) async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let reference = try #require(peers.references.first { $0.provider == provider })
        var core = try await harness.makeCore()
        _ = try await core.initializeWithKeystore(try harness.keystores.keystore(for: reference))
        await core.seal()

        core = try await Self.restart(harness, peers)
        try await core.autoUnseal()
        #expect(!core.status.sealed && core.status.kind == "keystore")
        await core.seal()

        // The seal keystore is down: sealed, the reason shown, and no crash.
        core = try await Self.restart(harness, peers, down: provider)
        await #expect(throws: (any Error).self) { try await core.autoUnseal() }
        #expect(core.status.sealed && core.status.autoUnsealError?.isEmpty == false, "\(core.status)")
        print("auto-unseal with \(provider) down: \(core.status.autoUnsealError ?? "")")

        // The customer disables the seal key at the provider (moto does not refuse a
        // disabled key's Decrypt, so AWS's disabled case is the mapped DisabledException, tested in the AWS suite).
        guard provider != "acme-aws" else { return }
        if provider == "globex-bao" {
            _ = try await peers.transit.call(.DELETE, "transit/keys/\(peers.baoKey)/soft-delete", reference: reference)
        } else {
            try await peers.hsm.setUsage(label: peers.hsmKey, enabled: false)
        }
        core = try await Self.restart(harness, peers)
        await #expect(throws: KeystoreError.disabled(reference)) { try await core.autoUnseal() }
        #expect(core.status.sealed && core.status.autoUnsealError?.contains("disabled") == true, "\(core.status)")
        print("auto-unseal with the \(provider) key disabled: \(core.status.autoUnsealError ?? "")")

        // Enabled again: the next try unseals.
        if provider == "globex-bao" {
            _ = try await peers.transit.call(.POST, "transit/keys/\(peers.baoKey)/soft-delete-restore", [:], reference: reference)
        } else {
            try await peers.hsm.setUsage(label: peers.hsmKey, enabled: true)
        }
        try await core.autoUnseal()
        #expect(!core.status.sealed && core.status.autoUnsealError == nil)
    }

    @Test func theWrongSealKeyLeavesTheServerSealed() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness), let other = SoftHSMPeer.fromEnvironment(token: "sealing") else { return }
        let reference = KeystoreReference(provider: "umbrella-hsm", key: peers.hsmKey)
        var core = try await harness.makeCore()
        _ = try await core.initializeWithKeystore(try harness.keystores.keystore(for: reference))
        await core.seal()

        // The connection now reaches another token holding a different key under the same label.
        try await other.makeKey(label: peers.hsmKey)
        let registry = KeystoreRegistry()
        var sections = peers.sections
        sections["umbrella-hsm"]?["token_label"] = "sealing"
        try KeystoreProviders.register(sections, into: registry, environment: CustomerKMSPeers.environment)
        core = try await ServerCore(backend: harness.storage, keystores: registry, auditLog: AuditLogFile(path: harness.auditPath))
        await #expect(throws: KeystoreError.badCiphertext(reference)) { try await core.autoUnseal() }
        #expect(core.status.sealed && core.status.autoUnsealError?.contains("refused the wrapped key") == true, "\(core.status)")
    }
}
