import Crypto
import CryptoExtras
import Foundation
public import KMIP

/// Sign, Signature Verify and RSA-OAEP with a key pair's keys, as the
/// request's Cryptographic Parameters say (each field it leaves out taken
/// from the key's own). Signatures: RSA PKCS#1 v1.5 and PSS (salt as long as
/// the hash, MGF1 with the same hash) with SHA-256, -384 or -512; ECDSA with
/// those, DER-encoded. Encryption: RSA-OAEP with SHA-1 or SHA-256 (MGF1 with
/// the same hash); PKCS#1 v1.5 encryption is refused (Bleichenbacher).
extension KMIPAsymmetricKey {
    /// Signs `data` (the key must be private).
    public func sign(_ data: [UInt8], parameters: TTLVItem?) throws(KMIPOperationError) -> [UInt8] {
        guard isPrivate else { throw KMIPOperationError(.invalidField, "Sign needs a private key") }
        let (hash, pss) = try signatureScheme(parameters)
        do {
            switch kind {
            case .rsa:
                let key = try _RSA.Signing.PrivateKey(derRepresentation: bytes)
                return Array(try key.signature(for: Self.digest(data, hash), padding: pss ? .PSS : .insecurePKCS1v1_5).rawRepresentation)
            case .p256:
                return Array(try P256.Signing.PrivateKey(derRepresentation: bytes).signature(for: Self.digest(data, hash)).derRepresentation)
            case .p384:
                return Array(try P384.Signing.PrivateKey(derRepresentation: bytes).signature(for: Self.digest(data, hash)).derRepresentation)
            }
        } catch {
            throw KMIPOperationError(.cryptographicFailure, "the signature could not be made")
        }
    }

    /// Whether `signature` is a valid signature of `data` by this public key.
    public func verify(_ data: [UInt8], signature: [UInt8], parameters: TTLVItem?) throws(KMIPOperationError) -> Bool {
        guard !isPrivate else { throw KMIPOperationError(.invalidField, "Signature Verify needs a public key") }
        let (hash, pss) = try signatureScheme(parameters)
        switch kind {
        case .rsa:
            guard let key = try? _RSA.Signing.PublicKey(derRepresentation: bytes) else { throw KMIPOperationError(.generalFailure, "the stored key could not be read") }
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: Self.digest(data, hash),
                                        padding: pss ? .PSS : .insecurePKCS1v1_5)
        case .p256:
            guard let key = try? P256.Signing.PublicKey(derRepresentation: bytes) else { throw KMIPOperationError(.generalFailure, "the stored key could not be read") }
            guard let parsed = (try? P256.Signing.ECDSASignature(derRepresentation: signature)) ?? (try? P256.Signing.ECDSASignature(rawRepresentation: signature))
            else { return false }
            return key.isValidSignature(parsed, for: Self.digest(data, hash))
        case .p384:
            guard let key = try? P384.Signing.PublicKey(derRepresentation: bytes) else { throw KMIPOperationError(.generalFailure, "the stored key could not be read") }
            guard let parsed = (try? P384.Signing.ECDSASignature(derRepresentation: signature)) ?? (try? P384.Signing.ECDSASignature(rawRepresentation: signature))
            else { return false }
            return key.isValidSignature(parsed, for: Self.digest(data, hash))
        }
    }

    /// RSA-OAEP encryption with a public key.
    public func encrypt(_ data: [UInt8], parameters: TTLVItem?) throws(KMIPOperationError) -> [UInt8] {
        guard kind == .rsa, !isPrivate else { throw KMIPOperationError(.invalidField, "asymmetric Encrypt needs an RSA public key") }
        let padding = try oaepPadding(parameters)
        do {
            return Array(try _RSA.Encryption.PublicKey(derRepresentation: bytes).encrypt(data, padding: padding))
        } catch {
            throw KMIPOperationError(.cryptographicFailure, "the data could not be encrypted (too long for the key?)")
        }
    }

    /// RSA-OAEP decryption with a private key.
    public func decrypt(_ data: [UInt8], parameters: TTLVItem?) throws(KMIPOperationError) -> [UInt8] {
        guard kind == .rsa, isPrivate else { throw KMIPOperationError(.invalidField, "asymmetric Decrypt needs an RSA private key") }
        let padding = try oaepPadding(parameters)
        do {
            return Array(try _RSA.Encryption.PrivateKey(derRepresentation: bytes).decrypt(data, padding: padding))
        } catch {
            throw KMIPOperationError(.cryptographicFailure, "the data does not decrypt with this key")
        }
    }

    /// The hash, and whether RSA uses PSS: from Digital Signature Algorithm,
    /// else from Padding Method and Hashing Algorithm (SHA-256 by default).
    func signatureScheme(_ parameters: TTLVItem?) throws(KMIPOperationError) -> (hash: KMIPHashingAlgorithm, pss: Bool) {
        var named: KMIPHashingAlgorithm?
        if let raw = parameters?[.hashingAlgorithm]?.enumerationValue {
            guard let hash = KMIPHashingAlgorithm(rawValue: raw), [.sha256, .sha384, .sha512].contains(hash) else {
                throw KMIPOperationError(.featureNotSupported, "signatures hash with SHA-256, SHA-384 or SHA-512")
            }
            named = hash
        }
        var scheme: (hash: KMIPHashingAlgorithm, pss: Bool)
        if let raw = parameters?[.digitalSignatureAlgorithm]?.enumerationValue {
            guard let algorithm = KMIPDigitalSignatureAlgorithm(rawValue: raw) else {
                throw KMIPOperationError(.featureNotSupported, "Digital Signature Algorithm \(raw) is not served")
            }
            switch (algorithm, kind) {
            case (.sha256WithRSAEncryption, .rsa): scheme = (.sha256, false)
            case (.sha384WithRSAEncryption, .rsa): scheme = (.sha384, false)
            case (.sha512WithRSAEncryption, .rsa): scheme = (.sha512, false)
            case (.rsassaPSS, .rsa): scheme = (named ?? .sha256, true)
            case (.ecdsaWithSHA256, .p256), (.ecdsaWithSHA256, .p384): scheme = (.sha256, false)
            case (.ecdsaWithSHA384, .p256), (.ecdsaWithSHA384, .p384): scheme = (.sha384, false)
            case (.ecdsaWithSHA512, .p256), (.ecdsaWithSHA512, .p384): scheme = (.sha512, false)
            default: throw KMIPOperationError(.invalidField, "that Digital Signature Algorithm does not go with this key")
            }
        } else {
            let padding = parameters?[.paddingMethod]?.enumerationValue.flatMap(KMIPPaddingMethod.init(rawValue:))
            guard padding == nil || padding == .pkcs1v15 || padding == .pss else {
                throw KMIPOperationError(.featureNotSupported, "RSA signatures pad with PKCS#1 v1.5 or PSS")
            }
            scheme = (named ?? .sha256, kind == .rsa && padding == .pss)
        }
        if scheme.pss {
            // swift-crypto's PSS salts with the hash's length and masks with MGF1 over the same hash.
            if let salt = parameters?[.saltLength]?.integerValue, Int(salt) != Self.digestLength(scheme.hash) {
                throw KMIPOperationError(.featureNotSupported, "PSS salts are as long as the hash (\(Self.digestLength(scheme.hash)) bytes)")
            }
            if let mask = parameters?[.maskGeneratorHashingAlgorithm]?.enumerationValue, mask != scheme.hash.rawValue {
                throw KMIPOperationError(.featureNotSupported, "PSS masks with MGF1 over the signature's own hash")
            }
        }
        return scheme
    }

    /// OAEP with SHA-1 (the default, as PKCS#1 says) or SHA-256, MGF1 over the same hash.
    func oaepPadding(_ parameters: TTLVItem?) throws(KMIPOperationError) -> _RSA.Encryption.Padding {
        if let raw = parameters?[.paddingMethod]?.enumerationValue, raw != KMIPPaddingMethod.oaep.rawValue {
            throw KMIPOperationError(.featureNotSupported, "RSA encryption is OAEP only (PKCS#1 v1.5 encryption is not safe)")
        }
        let hash = parameters?[.hashingAlgorithm]?.enumerationValue ?? KMIPHashingAlgorithm.sha1.rawValue
        if let mask = parameters?[.maskGeneratorHashingAlgorithm]?.enumerationValue, mask != hash {
            throw KMIPOperationError(.featureNotSupported, "OAEP masks with MGF1 over its own hash")
        }
        switch hash {
        case KMIPHashingAlgorithm.sha1.rawValue: return .PKCS1_OAEP
        case KMIPHashingAlgorithm.sha256.rawValue: return .PKCS1_OAEP_SHA256
        default: throw KMIPOperationError(.featureNotSupported, "OAEP hashes with SHA-1 or SHA-256")
        }
    }

    static func digest(_ data: [UInt8], _ hash: KMIPHashingAlgorithm) -> any Digest {
        switch hash {
        case .sha384: SHA384.hash(data: data)
        case .sha512: SHA512.hash(data: data)
        default: SHA256.hash(data: data)
        }
    }

    static func digestLength(_ hash: KMIPHashingAlgorithm) -> Int {
        switch hash {
        case .sha384: 48
        case .sha512: 64
        default: 32
        }
    }
}
