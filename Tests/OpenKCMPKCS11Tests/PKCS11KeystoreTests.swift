import CPKCS11
import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMPKCS11
import OpenKCMTestSupport

/// The PKCS#11 keystore against SoftHSM2 (set up by scripts/test): both wrap
/// mechanisms, context binding, the customer's kill switch (usage flags off,
/// and the key destroyed by pkcs11-tool in another process), and concurrency
/// through the session pool.
@Suite struct PKCS11KeystoreTests {
    static func peer() -> SoftHSMPeer? {
        guard let peer = SoftHSMPeer.fromEnvironment() else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_SOFTHSM_MODULE"))) }
            return nil
        }
        return peer
    }

    static func freshLabel() -> String { "l1-\(UUID().uuidString.prefix(8).lowercased())" }

    @Test(arguments: [PKCS11WrapMechanism.aesGCM, .aesKeyWrapPad])
    func wrapsAndUnwrapsBoundToTheContext(mechanism: PKCS11WrapMechanism) async throws {
        guard let peer = Self.peer() else { return }
        let label = Self.freshLabel()
        try await peer.makeKey(label: label)
        let keystore = PKCS11Keystore(label: label, token: peer.token(), provider: "acme-hsm", mechanism: mechanism)
        let key = SymmetricKey(size: .bits256)
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let wrapped = try await keystore.wrap(key, context: context)
        #expect(wrapped[1] == mechanism.rawValue)
        #expect(try await keystore.unwrap(wrapped, context: context) == key)
        // Two wraps of the same key differ (GCM: random IV), and neither shows the key.
        let again = try await keystore.wrap(key, context: context)
        #expect(mechanism == .aesKeyWrapPad || again != wrapped)
        #expect(!key.withUnsafeBytes { Data($0) }.isEmpty && wrapped.range(of: key.withUnsafeBytes { Data($0) }) == nil)

        // Another tenant's context, a flipped bit, a cut blob, a wrong header: refused.
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) {
            _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "globex", purpose: .l2))
        }
        for position in [1, 5, wrapped.count - 1] where position != 1 {
            var tampered = wrapped
            tampered[position] ^= 0x01
            await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) { _ = try await keystore.unwrap(tampered, context: context) }
        }
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) { _ = try await keystore.unwrap(wrapped.prefix(20), context: context) }
        var otherHeader = wrapped
        otherHeader[0] = 2
        await #expect(throws: KeystoreError.badCiphertext(keystore.reference)) { _ = try await keystore.unwrap(otherHeader, context: context) }
        #expect(await keystore.status() == .enabled)
    }

    @Test func theCustomerTurningUsageOffDisablesAndBackOnRestores() async throws {
        guard let peer = Self.peer() else { return }
        let label = Self.freshLabel()
        try await peer.makeKey(label: label)
        let keystore = PKCS11Keystore(label: label, token: peer.token())
        let key = SymmetricKey(size: .bits256)
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let wrapped = try await keystore.wrap(key, context: context)

        try await peer.setUsage(label: label, enabled: false)
        guard case .disabled = await keystore.status() else { Issue.record("expected disabled"); return }
        await #expect(throws: KeystoreError.disabled(keystore.reference)) { _ = try await keystore.unwrap(wrapped, context: context) }

        try await peer.setUsage(label: label, enabled: true)
        #expect(await keystore.status() == .enabled)
        #expect(try await keystore.unwrap(wrapped, context: context) == key)
    }

    @Test func aKeyDestroyedInAnotherProcessIsReportedDeleted() async throws {
        guard let peer = Self.peer() else { return }
        let label = Self.freshLabel()
        try await peer.makeKey(label: label)
        let keystore = PKCS11Keystore(label: label, token: peer.token())
        let wrapped = try await keystore.wrap(SymmetricKey(size: .bits256), context: KeystoreContext(tenant: "acme", purpose: .l2))
        #expect(await keystore.status() == .enabled)

        try peer.destroyWithTool(label: label)
        guard case .deleted = await keystore.status() else { Issue.record("expected deleted"); return }
        await #expect(throws: KeystoreError.notFound(keystore.reference)) {
            _ = try await keystore.unwrap(wrapped, context: KeystoreContext(tenant: "acme", purpose: .l2))
        }
    }

    @Test func aMissingTokenOrModuleIsUnreachableNotACrash() async throws {
        guard let peer = Self.peer() else { return }
        let noToken = PKCS11Keystore(label: "l1", token: PKCS11Token(modulePath: peer.module, tokenLabel: "no-such-token", pin: Array("1234".utf8)))
        guard case .unreachable = await noToken.status() else { Issue.record("expected unreachable"); return }
        let noModule = PKCS11Keystore(label: "l1", token: PKCS11Token(modulePath: "/nonexistent/libpkcs11.so", tokenLabel: "t", pin: []))
        guard case .unreachable = await noModule.status() else { Issue.record("expected unreachable"); return }
        await #expect(throws: KeystoreError.self) {
            _ = try await noModule.wrap(SymmetricKey(size: .bits256), context: KeystoreContext(purpose: .masterKey))
        }
    }

    @Test func concurrentWrapsShareTheSessionPool() async throws {
        guard let peer = Self.peer() else { return }
        let label = Self.freshLabel()
        try await peer.makeKey(label: label)
        let keystore = PKCS11Keystore(label: label, token: peer.token())
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let key = SymmetricKey(size: .bits256)
                    let context = KeystoreContext(tenant: "tenant-\(index)", purpose: .l2)
                    return try await keystore.unwrap(try await keystore.wrap(key, context: context), context: context) == key
                }
            }
            for try await roundTripped in group { #expect(roundTripped) }
        }
    }
}

/// BYOK into SoftHSM2 with C_UnwrapKey: the imported key is the customer's
/// material (a GCM wrap made by the HSM opens locally with it), it is not
/// extractable, and a taken label is refused.
@Suite struct PKCS11ImportTests {
    @Test func importedMaterialIsTheKeyTheHSMUses() async throws {
        guard let peer = PKCS11KeystoreTests.peer() else { return }
        let label = PKCS11KeystoreTests.freshLabel()
        let keystore = PKCS11Keystore(label: label, token: peer.token(), mechanism: .aesGCM)
        let material = SymmetricKey(size: .bits256)
        try await keystore.importKey(material)

        let l2 = SymmetricKey(size: .bits256)
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let wrapped = try await keystore.wrap(l2, context: context)
        // 01 | 01 | IV | ciphertext | tag, with the header and the canonical context as AAD.
        let aad = Data([1, 1]) + Data(try EncryptionContext(context.pairs).encoded)
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: wrapped[2..<14]), ciphertext: wrapped[14..<46], tag: wrapped[46...])
        #expect(try AES.GCM.open(box, using: material, authenticating: aad) == l2.withUnsafeBytes { Data($0) })
        #expect(try await keystore.unwrap(wrapped, context: context) == l2)
        #expect(await keystore.status() == .enabled)

        await #expect(throws: KeystoreError.self) { try await keystore.importKey(SymmetricKey(size: .bits256)) }
        #expect(try await keystore.unwrap(wrapped, context: context) == l2)
    }
}
