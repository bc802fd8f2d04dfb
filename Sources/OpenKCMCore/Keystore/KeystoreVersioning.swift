/// A keystore whose keys have versions the customer rotates at the provider
/// (OpenBao/Vault transit's key versions): the server notices a newer one and
/// wraps the tenant's L2 again under it, so the customer can then retire the
/// old version (transit's `min_decryption_version`) without locking the tenant.
public protocol KeystoreVersioning: Keystore {
    /// The version the provider encrypts with now.
    func latestVersion() async throws -> String
    /// The version that made `wrapped`, read from the provider's ciphertext; nil when it does not say.
    func version(of wrapped: [UInt8]) -> String?
    /// Whether ``version(of:)`` reads the version from the ciphertext (transit); when not (AWS KMS), the key chain notes it at each wrap.
    var ciphertextNamesVersion: Bool { get }
}
