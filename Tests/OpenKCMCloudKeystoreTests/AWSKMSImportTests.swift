import Crypto
import Foundation
import Synchronization
import Testing
import OpenKCMAWSKMS
import OpenKCMCore

/// BYOK into AWS KMS, against ``AWSKMSImportFake`` since moto does not
/// implement GetParametersForImport / ImportKeyMaterial: the material arrives
/// intact, in the documented request shapes, and other material is refused;
/// the key's current material is read from DescribeKey where AWS answers it.
@Suite struct AWSKMSImportTests {
    @Test func materialReachesTheExternalKey() async throws {
        let fake = try AWSKMSImportFake()
        fake.addExternalKey("byok-1")
        try await withFakeService(fake.router) { url in
            let client = AWSKMSClient(endpoint: url, region: "eu-west-1", credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"))
            let keystore = AWSKMSKeystore(keyID: "byok-1", client: client, provider: "acme-aws")
            let material = SymmetricKey(size: .bits256)
            try await keystore.importKey(material)
            #expect(fake.imported.withLock { $0["byok-1"] } == material.withUnsafeBytes { Data($0) })
            // Which material encrypts now: DescribeKey's CurrentKeyMaterialId, without ListKeyRotations
            // (which the fake does not answer, as AWS does not across accounts).
            #expect(try await keystore.latestVersion() == "material:" + AWSKMSImportFake.materialID(material.withUnsafeBytes { Data($0) }))
            // Re-importing the same material is allowed by AWS; different material is not.
            try await keystore.importKey(material)
            await #expect(throws: KeystoreError.self) { try await keystore.importKey(SymmetricKey(size: .bits256)) }
            await #expect(throws: KeystoreError.notFound(AWSKMSKeystore(keyID: "nope", client: client, provider: "acme-aws").reference)) {
                try await AWSKMSKeystore(keyID: "nope", client: client, provider: "acme-aws").importKey(material)
            }
        }
        #expect(fake.violations.all.isEmpty, "\(fake.violations.all)")
    }
}
