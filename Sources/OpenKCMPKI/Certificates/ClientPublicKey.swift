public import Crypto
import CryptoExtras
import SwiftASN1
public import X509

/// A public key OpenKCM certifies or accepts in a certificate: ECDSA on P-256
/// or P-384, or RSA of 2048 bits or more (swift-crypto refuses smaller RSA keys).
public struct ClientPublicKey: Sendable, Hashable {
    public let key: Certificate.PublicKey

    public init(_ key: Certificate.PublicKey) throws(PKIError) {
        guard P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil || _RSA.Signing.PublicKey(key) != nil else {
            throw .unsupported("a public key that is not ECDSA P-256 or P-384, or RSA of 2048 bits or more")
        }
        self.key = key
    }

    public init(_ key: P256.Signing.PublicKey) {
        self.key = Certificate.PublicKey(key)
    }

    /// A `PUBLIC KEY` PEM block (SubjectPublicKeyInfo).
    public init(pemEncoded text: String) throws(PKIError) {
        guard text.utf8.count <= 64 * 1024 else { throw .unsupported("a public key over 64 KiB") }
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: text) } catch { throw .malformed("not PEM: \(error)") }
        guard documents.count == 1, documents[0].discriminator == "PUBLIC KEY" else {
            throw .malformed("expected exactly one PEM block labelled PUBLIC KEY")
        }
        let key: Certificate.PublicKey
        do { key = try Certificate.PublicKey(derEncoded: documents[0].derBytes) } catch {
            throw .unsupported("a public key that is not ECDSA P-256 or P-384, or RSA of 2048 bits or more")
        }
        try self.init(key)
    }
}
