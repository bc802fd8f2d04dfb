public import Crypto
public import CryptoExtras
public import Foundation

/// A share custodian's public key. At init each share is encrypted to one
/// custodian, so no share is ever shown in the clear (as Vault's `-pgp-keys`).
///
/// Encrypted share: one algorithm byte, then
/// - `0x01` RSA-OAEP-SHA256 (RSA keys of 2048 bits or more): the ciphertext;
/// - `0x02` HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
///   AES-256-GCM, info "OpenKCM unseal share v1": the 32-byte encapsulated key, then the ciphertext.
public enum CustodianKey {
    case rsa(_RSA.Encryption.PublicKey)
    case x25519(Curve25519.KeyAgreement.PublicKey)

    static let hpkeInfo = Data("OpenKCM unseal share v1".utf8)
    static let ciphersuite = HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256)

    /// Reads a PEM public key: RSA (2048 bits or more) or X25519.
    public init(pem: String) throws(SealError) {
        if let key = try? _RSA.Encryption.PublicKey(pemRepresentation: pem) {
            guard key.keySizeInBits >= 2048 else { throw .misconfigured("an RSA custodian key must have at least 2048 bits") }
            self = .rsa(key)
        } else if let key = try? Curve25519.KeyAgreement.PublicKey(pemRepresentation: pem) {
            self = .x25519(key)
        } else {
            throw .misconfigured("a custodian key must be an RSA or X25519 public key in PEM")
        }
    }

    /// A root token from generate-root is encrypted under another HPKE info, so neither opens as the other.
    static let tokenInfo = Data("OpenKCM generated root token v1".utf8)

    /// Encrypts one share to this custodian.
    public func encrypt(_ share: ShamirShare) throws -> Data {
        try share.withEncodedBytes { try encrypt($0, info: Self.hpkeInfo) }
    }

    /// Encrypts a root token made by generate-root to the one who asked for it.
    public func encrypt(token: String) throws -> Data {
        try encrypt(Array(token.utf8), info: Self.tokenInfo)
    }

    private func encrypt(_ bytes: some DataProtocol, info: Data) throws -> Data {
        switch self {
        case .rsa(let key):
            return Data([0x01]) + (try key.encrypt(bytes, padding: .PKCS1_OAEP_SHA256))
        case .x25519(let key):
            var sender = try HPKE.Sender(recipientKey: key, ciphersuite: Self.ciphersuite, info: info)
            let ciphertext = try sender.seal(bytes)
            return Data([0x02]) + sender.encapsulatedKey + ciphertext
        }
    }

    /// SHA-256 of the public key (its DER SubjectPublicKeyInfo for RSA, its 32 bytes for X25519), in hex:
    /// what share holders compare before they give a share to generate-root.
    public var fingerprint: String {
        switch self {
        case .rsa(let key): Array(SHA256.hash(data: key.derRepresentation)).hexString
        case .x25519(let key): Array(SHA256.hash(data: key.rawRepresentation)).hexString
        }
    }

    /// The requester's side: opens a root token from generate-root with the private key (PEM).
    public static func decrypt(token encrypted: Data, privateKeyPEM: String) throws -> String {
        var plaintext = try decrypt(encrypted, privateKeyPEM: privateKeyPEM, info: tokenInfo)
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        return String(decoding: plaintext, as: UTF8.self)
    }

    /// The custodian's side: opens an encrypted share with the private key (PEM).
    public static func decrypt(_ encrypted: Data, privateKeyPEM: String) throws -> ShamirShare {
        var plaintext = try decrypt(encrypted, privateKeyPEM: privateKeyPEM, info: hpkeInfo)
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        return try ShamirShare(encoded: plaintext)
    }

    private static func decrypt(_ encrypted: Data, privateKeyPEM: String, info: Data) throws -> Data {
        guard let algorithm = encrypted.first else { throw ShamirError.corruptedShare(reason: "empty encrypted share") }
        let plaintext: Data
        switch algorithm {
        case 0x01:
            let key = try _RSA.Encryption.PrivateKey(pemRepresentation: privateKeyPEM)
            plaintext = try key.decrypt(encrypted.dropFirst(), padding: .PKCS1_OAEP_SHA256)
        case 0x02:
            guard encrypted.count > 33 else { throw ShamirError.corruptedShare(reason: "encrypted share too short") }
            let key = try Curve25519.KeyAgreement.PrivateKey(pemRepresentation: privateKeyPEM)
            let body = encrypted.dropFirst()
            var recipient = try HPKE.Recipient(
                privateKey: key, ciphersuite: ciphersuite, info: info, encapsulatedKey: Data(body.prefix(32)))
            plaintext = try recipient.open(Data(body.dropFirst(32)))
        default:
            throw ShamirError.corruptedShare(reason: "unknown share encryption 0x\(String(algorithm, radix: 16))")
        }
        return plaintext
    }
}
