import Crypto
import Foundation

/// The key that authenticates a backup's manifest, derived from the MasterKey
/// for that purpose alone (the barrier's record key never signs anything else).
struct BackupAuthenticationKey {
    private let key: SymmetricKey

    init(masterKey: MasterKey) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: masterKey.key,
            salt: Array("OpenKCM backup v1".utf8),
            info: Array("backup manifest authentication key".utf8),
            outputByteCount: 32
        )
    }

    func tag(_ header: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: header, using: key))
    }

    /// Constant time: the tag is compared by swift-crypto's HMAC check.
    func isValid(_ tag: Data, for header: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(tag, authenticating: header, using: key)
    }
}
