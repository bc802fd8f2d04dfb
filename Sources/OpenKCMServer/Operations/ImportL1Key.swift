public import Crypto
public import OpenKCMCore

extension Operations {
    /// BYOK: imports customer key material into a configured provider as the
    /// key `l1`, ready to be linked as a tenant's L1 (governance). The material
    /// is never stored, logged or audited; only the key reference is.
    public func importL1Key(_ l1: KeystoreReference, material: SymmetricKey, caller: Caller) async throws {
        try await perform(.l1Import, caller: caller, key: l1.description, sync: true) { _ in
            guard let keystore = try core.keystores.keystore(for: l1) as? any KeystoreImporting else {
                throw KeystoreError.importRefused(l1, reason: "this provider does not import key material (AWS KMS, transit and PKCS#11 do)")
            }
            try await keystore.importKey(material)
        }
    }
}
