import CryptoExtras
import Foundation
import Testing
import OpenKCMCore
import OpenKCMServer
import OpenKCMApp

/// `[keystores.<name>]` sections for the cloud providers that cannot run here
/// (their wire format is tested against fakes in OpenKCMCloudKeystoreTests):
/// complete sections make connections, incomplete ones are refused by name,
/// and secrets are read from files only.
@Suite struct KeystoreProvidersTests {
    @Test func azureAndGCPSectionsMakeConnections() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("openkcm-providers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("azure.secret")
        try "s3cret\n".write(to: secret, atomically: true, encoding: .utf8)
        let account = directory.appendingPathComponent("gcp.json")
        try JSONSerialization.data(withJSONObject: [
            "type": "service_account", "client_email": "openkcm@p.iam.gserviceaccount.com",
            "private_key": try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
        ]).write(to: account)

        let registry = KeystoreRegistry()
        try KeystoreProviders.register([
            "hooli-azure": ["type": "azure-keyvault", "vault_url": "https://hooli.vault.azure.net", "tenant_id": "t", "client_id": "c",
                            "client_secret_file": secret.path],
            "pied-gcp": ["type": "gcp-kms", "credentials_file": account.path],
        ], into: registry)
        #expect(try registry.keystore(for: KeystoreReference(provider: "hooli-azure", key: "l1")).reference.description == "hooli-azure:l1")
        let gcpKey = "projects/p/locations/l/keyRings/r/cryptoKeys/k"
        #expect(try registry.keystore(for: KeystoreReference(provider: "pied-gcp", key: gcpKey)).reference.key == gcpKey)

        // Incomplete or wrong sections are refused with the section's name, and nothing is registered.
        let fresh = KeystoreRegistry()
        for section in [
            ["type": "azure-keyvault", "vault_url": "https://x.vault.azure.net", "tenant_id": "t", "client_id": "c"],
            ["type": "azure-keyvault", "vault_url": "https://x.vault.azure.net", "tenant_id": "t", "client_id": "c",
             "client_secret_file": secret.path, "algorithm": "RSA1_5"],
            ["type": "gcp-kms", "credentials_file": secret.path],
            ["type": "gcp-kms"],
        ] {
            #expect(throws: (any Error).self) { try KeystoreProviders.register(["broken": section, "pied-gcp": ["type": "gcp-kms", "credentials_file": account.path]], into: fresh) }
        }
        #expect(throws: KeystoreError.self) { try fresh.keystore(for: KeystoreReference(provider: "pied-gcp", key: gcpKey)) }
    }
}
