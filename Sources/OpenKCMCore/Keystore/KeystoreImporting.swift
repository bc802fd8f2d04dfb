public import Crypto

/// A keystore that can take customer key material as its key (BYOK): the
/// material goes to the provider wrapped for it, and from then on the provider
/// holds the key and OpenKCM only asks it to wrap and unwrap, as for any L1.
public protocol KeystoreImporting: Keystore {
    /// Imports `material` (a 256-bit AES key) as this keystore's key. Refuses
    /// when the provider already holds key material for it.
    func importKey(_ material: SymmetricKey) async throws
}
