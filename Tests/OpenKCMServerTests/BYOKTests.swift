import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import Testing
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMTransit

/// BYOK and L1 rotation through the real CLI against a live server whose
/// customers' keystores are the real OpenBao and SoftHSM2: `openkcm l1 import`
/// takes the material from standard input or a file, the tenant runs on the
/// imported key, `openkcm l1 rewrap` moves the L2 to the customer's new key
/// version, and the material appears nowhere in the audit log.
@Suite struct BYOKTests {
    @Test func importedKeysCarryTenantsAndRotationRewrapsOnlyTheL2() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let core = try await harness.makeCore()
        let root = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        let baoKey = "byok-\(UUID().uuidString.prefix(8).lowercased())"
        let hsmLabel = "byok-\(UUID().uuidString.prefix(8).lowercased())"
        let baoMaterial = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let hsmMaterial = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let materialFile = harness.directory.appendingPathComponent("hsm.key")
        try hsmMaterial.write(to: materialFile)

        try await harness.application(core).test(.live) { client in
            let port = try #require(client.port)
            let rootToken = root
            // The server runs in this process: the CLI is waited for off the concurrency pool.
            func cli(_ arguments: [String], token: String? = nil, stdin: String? = nil) async throws -> EndToEndTests.Run {
                try await EndToEndTests.openkcmOffPool(arguments, port: port, token: token ?? rootToken, stdin: stdin)
            }
            // Import from standard input (hex) into OpenBao, from a file (raw bytes) into the HSM.
            let hex = baoMaterial.map { String(format: "%02x", $0) }.joined()
            var run = try await cli(["l1", "import", "--provider", "globex-bao", "--key", baoKey], stdin: hex + "\n")
            #expect(run.status == 0, "\(run.stderr)")
            run = try await cli(["l1", "import", "--provider", "umbrella-hsm", "--key", hsmLabel, "--material-file", materialFile.path])
            #expect(run.status == 0, "\(run.stderr)")

            var blobs: [String: (token: String, blob: String)] = [:]
            for (tenant, provider, key) in [("globex", "globex-bao", baoKey), ("umbrella", "umbrella-hsm", hsmLabel)] {
                run = try await cli(["tenant", "create", tenant, "--l1-provider", provider, "--l1-key", key])
                #expect(run.status == 0, "\(run.stderr)")
                _ = try await cli(["service", "create", "--tenant", tenant, "payments"])
                let identity = EndToEndTests.json(try await cli(["identity", "create", tenant, "--role", "crypto", "--tenant", tenant,
                                                           "--service", "payments", "--output", "json"]).stdout)
                let token = try #require(identity["token"] as? String)
                let made = EndToEndTests.json(try await cli(["datakey", "--tenant", tenant, "--service", "payments", "--output", "json"], token: token).stdout)
                blobs[tenant] = (token, try #require(made["wrapped"] as? String))
            }

            // The customer rotates the imported transit key by importing new material as version 2;
            // rewrap moves the L2 to v2 and every blob still opens.
            #expect(String(decoding: try await core.unsealed().keyChain.tenantKeyRing(tenant("globex")).wrappedRoot, as: UTF8.self).hasPrefix("vault:v1:"))
            try await Self.customerImportsNewVersion(peers.transit, key: baoKey)
            run = try await cli(["l1", "rewrap", "--tenant", "globex"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(String(decoding: try await core.unsealed().keyChain.tenantKeyRing(tenant("globex")).wrappedRoot, as: UTF8.self).hasPrefix("vault:v2:"))
            try core.unsealed().keyChain.evictAll()  // the next call loads the L2 through the new wrap
            for (tenant, entry) in blobs {
                run = try await cli(["unwrap", "--tenant", tenant, "--service", "payments", entry.blob], token: entry.token)
                #expect(run.status == 0, "\(tenant): \(run.stderr)")
            }

            // Refusals: material of the wrong size, a key that exists, a provider that does not import.
            run = try await cli(["l1", "import", "--provider", "globex-bao", "--key", "other"], stdin: "c2hvcnQ=\n")
            #expect(run.status == 1 && run.stderr.contains("256-bit"), "\(run.stderr)")
            run = try await cli(["l1", "import", "--provider", "globex-bao", "--key", baoKey], stdin: hex)
            #expect(run.status == 1 && run.stderr.contains("keystore.import_refused"), "\(run.stderr)")
            run = try await cli(["l1", "import", "--provider", "umbrella-hsm", "--key", hsmLabel], stdin: hex)
            #expect(run.status == 1 && run.stderr.contains("keystore.import_refused"), "\(run.stderr)")
        }

        // Audited, and the material is nowhere in the log.
        try Self.checkAudit(harness, materials: [baoMaterial, hsmMaterial])
    }

    /// What the customer does on their side to rotate an imported transit key: `import_version`.
    static func customerImportsNewVersion(_ transit: TransitClient, key: String) async throws {
        let reference = KeystoreReference(provider: "bao", key: key)
        let pem = try #require(((try await transit.call(.GET, "transit/wrapping_key", reference: reference))["data"] as? [String: Any])?["public_key"] as? String)
        let ephemeral = SymmetricKey(size: .bits256)
        let wrappedEphemeral = try ephemeral.withUnsafeBytes { try _RSA.Encryption.PublicKey(pemRepresentation: pem).encrypt(Data($0), padding: .PKCS1_OAEP_SHA256) }
        let wrappedMaterial = try AESKeyWrapWithPadding.wrap(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }, using: ephemeral)
        _ = try await transit.call(.POST, "transit/keys/\(key)/import_version",
                                   ["ciphertext": (wrappedEphemeral + wrappedMaterial).base64EncodedString(), "hash_function": "SHA256"], reference: reference)
    }

    static func checkAudit(_ harness: ServerHarness, materials: [Data]) throws {
        let log = try Data(contentsOf: URL(fileURLWithPath: harness.auditPath))
        let entries = try AuditLogFormat.lines(Array(log)).map { try AuditLogFormat.entry($0) }
        let imports = entries.filter { $0.operation == "l1.import" && $0.outcome != .attempted }
        #expect(imports.map(\.outcome) == [.success, .success, .refused, .refused], "\(imports)")
        #expect(entries.contains { $0.operation == "l1.rewrap" && $0.outcome == .success && $0.tenant == "globex" })
        for material in materials {
            for needle in [material.base64EncodedString(), material.map { String(format: "%02x", $0) }.joined()] {
                #expect(log.range(of: Data(needle.utf8)) == nil)
            }
            #expect(log.range(of: material) == nil)
        }
    }
}
