public import Crypto
import CryptoExtras
import Foundation

/// A public key a certificate can name: ECDSA on P-256 or P-384, or RSA of
/// 2048 bits or more, held as its SubjectPublicKeyInfo DER.
public struct SubjectPublicKey: Sendable, Hashable {
    public enum Algorithm: Sendable, Hashable, CustomStringConvertible {
        case p256, p384
        case rsa(bits: Int)

        public var description: String {
            switch self {
            case .p256: "ECDSA P-256"
            case .p384: "ECDSA P-384"
            case .rsa(let bits): "RSA-\(bits)"
            }
        }
    }

    public let derEncoded: [UInt8]
    public let algorithm: Algorithm

    /// A SubjectPublicKeyInfo in DER; swift-crypto checks the key itself (the point is on the curve, RSA is 2048 bits or more).
    public init(derEncoded: [UInt8]) throws(PKIError) {
        if let key = try? P256.Signing.PublicKey(derRepresentation: derEncoded) {
            self.init(canonical: Array(key.derRepresentation), algorithm: .p256)
        } else if let key = try? P384.Signing.PublicKey(derRepresentation: derEncoded) {
            self.init(canonical: Array(key.derRepresentation), algorithm: .p384)
        } else if let key = try? _RSA.Signing.PublicKey(derRepresentation: derEncoded) {
            self.init(canonical: Array(key.derRepresentation), algorithm: .rsa(bits: key.keySizeInBits))
        } else {
            throw .unsupported("a public key that is not ECDSA P-256 or P-384, or RSA of 2048 bits or more")
        }
    }

    /// A `PUBLIC KEY` PEM block (SubjectPublicKeyInfo).
    public init(pemEncoded text: String) throws(PKIError) {
        let documents = try PEMDocument.parseAll(text)
        guard documents.count == 1, documents[0].label == "PUBLIC KEY" else {
            throw .malformed("expected exactly one PEM block labelled PUBLIC KEY")
        }
        try self.init(derEncoded: documents[0].derBytes)
    }

    public init(_ key: P256.Signing.PublicKey) {
        self.init(canonical: Array(key.derRepresentation), algorithm: .p256)
    }

    private init(canonical: [UInt8], algorithm: Algorithm) {
        derEncoded = canonical
        self.algorithm = algorithm
    }

    public var pemString: String { PEMDocument(label: "PUBLIC KEY", derBytes: derEncoded).pemString }

    /// RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.
    var keyIdentifier: [UInt8] {
        Self.keyIdentifier(spki: derEncoded)
    }

    static func keyIdentifier(spki: [UInt8]) -> [UInt8] {
        var reader = DERReader(spki)
        let bits = (try? reader.next(DERTag.sequence).children()).flatMap { children -> ArraySlice<UInt8>? in
            var children = children
            _ = try? children.next(DERTag.sequence)
            return try? children.next().bitStringBytes()
        } ?? spki[...]
        return Array(SHA256.hash(data: bits).prefix(20))
    }

    /// Whether `signature` over `message` was made by this key with `algorithm`
    /// (ECDSA with SHA-2, or RSA PKCS #1 v1.5 with SHA-2, which is what CAs sign certificates with).
    func isValidSignature(_ signature: [UInt8], for message: ArraySlice<UInt8>, algorithm signatureAlgorithm: ASN1ObjectID) -> Bool {
        let digest: any Digest
        switch signatureAlgorithm {
        case .ecdsaWithSHA256, .sha256WithRSAEncryption: digest = SHA256.hash(data: message)
        case .ecdsaWithSHA384, .sha384WithRSAEncryption: digest = SHA384.hash(data: message)
        case .ecdsaWithSHA512, .sha512WithRSAEncryption: digest = SHA512.hash(data: message)
        default: return false
        }
        let ecdsa: Set<ASN1ObjectID> = [.ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512]
        switch algorithm {
        case .p256:
            guard ecdsa.contains(signatureAlgorithm), let key = try? P256.Signing.PublicKey(derRepresentation: derEncoded),
                  let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .p384:
            guard ecdsa.contains(signatureAlgorithm), let key = try? P384.Signing.PublicKey(derRepresentation: derEncoded),
                  let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        case .rsa:
            guard !ecdsa.contains(signatureAlgorithm), let key = try? _RSA.Signing.PublicKey(derRepresentation: derEncoded) else { return false }
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        }
    }
}
