import Crypto
import Foundation
import OpenKCMCore

/// Turns `--seal provider:key` into a keystore: a key in one of the
/// `[keystores.<provider>]` connections (AWS KMS, transit, PKCS#11), or
/// `software:<key file>`, whose file holds the raw 32-byte seal key and is
/// created with mode 0600 when missing. A software seal key on the same disk
/// as the data protects against nothing but a copied database; it is there to
/// run the auto-unseal flow anywhere, not for production.
enum SealKeystoreLoader {
    /// - Parameter creatingKeyFile: make a missing software key file (a new
    ///   server); false where a key must already exist (a restore never invents one).
    static func keystore(_ specification: String, registry: KeystoreRegistry, creatingKeyFile: Bool = true) throws -> any Keystore {
        guard let colon = specification.firstIndex(of: ":") else {
            throw SealError.misconfigured("--seal takes provider:key, got '\(specification)'")
        }
        let provider = String(specification[..<colon])
        let path = String(specification[specification.index(after: colon)...])
        guard provider == "software" else {
            do {
                return try registry.keystore(for: KeystoreReference(provider: provider, key: path))
            } catch {
                throw SealError.misconfigured("--seal \(provider):\(path): no [keystores.\(provider)] connection is configured (or software:<key file>)")
            }
        }
        guard !path.isEmpty else { throw SealError.misconfigured("software:<key file> needs a file path") }
        var bytes: [UInt8]
        if let data = FileManager.default.contents(atPath: path) {
            bytes = Array(data)
        } else {
            guard creatingKeyFile else { throw SealError.misconfigured("the seal key file \(path) does not exist") }
            bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw SealError.misconfigured("cannot create the seal key file \(path)")
            }
        }
        defer { bytes.zeroize() }
        guard bytes.count == 32 else { throw SealError.misconfigured("the seal key file \(path) must hold exactly 32 bytes") }
        return SoftwareKeystore(name: "seal", key: SymmetricKey(data: bytes))
    }
}
