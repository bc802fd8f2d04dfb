import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport
import OpenKCMTransit

/// BYOK into a real OpenBao: the customer's material goes in through
/// `transit/wrapping_key` (RSA-OAEP-SHA256 + AES-KWP), and OpenBao then
/// encrypts with exactly that material: its ciphertext opens locally with it.
@Suite struct TransitImportTests {
    @Test func importedMaterialIsTheKeyTransitUses() async throws {
        guard let client = TransitKeystoreTests.client() else { return }
        let name = "byok-\(UUID().uuidString.prefix(8).lowercased())"
        let keystore = TransitKeystore(keyName: name, client: client, provider: "acme-bao")
        let material = SymmetricKey(size: .bits256)
        try await keystore.importKey(material)

        // OpenBao's ciphertext is vault:v1:base64(nonce | ciphertext | tag), AES-256-GCM with the associated data.
        let l2 = SymmetricKey(size: .bits256)
        let context = KeystoreContext(tenant: "acme", purpose: .l2)
        let wrapped = try await keystore.wrap(l2, context: context)
        let text = String(decoding: wrapped, as: UTF8.self)
        #expect(text.hasPrefix("vault:v1:"))
        let raw = try #require(Data(base64Encoded: String(text.dropFirst("vault:v1:".count))))
        let box = try AES.GCM.SealedBox(combined: raw)
        let aad = Data((try EncryptionContext(context.pairs)).encoded)
        let opened = try AES.GCM.open(box, using: material, authenticating: aad)
        #expect(opened == l2.withUnsafeBytes { Data($0) })
        #expect(try await keystore.unwrap(wrapped, context: context) == l2)

        // The key exists now: a second import is refused, and the key is unchanged.
        await #expect(throws: KeystoreError.self) { try await keystore.importKey(SymmetricKey(size: .bits256)) }
        #expect(try await keystore.unwrap(wrapped, context: context) == l2)
    }
}
