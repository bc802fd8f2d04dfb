public import Crypto
import CryptoExtras
import Foundation
public import KMIP

/// A public or private key of a KMIP key pair (RSA 2048 to 4096, EC P-256
/// and P-384), read from and written to the Key Format Types the KMIP
/// profiles name, and used for Sign, Signature Verify and RSA-OAEP, all
/// through swift-crypto. Its bytes are kept in the object type's default
/// format: PKCS#1 for RSA keys (as the Asymmetric Key Lifecycle test cases
/// expect), PKCS#8 for an EC private key, X.509 SubjectPublicKeyInfo for an
/// EC public key.
public struct KMIPAsymmetricKey: Sendable {
    public enum Kind: Sendable, Hashable {
        case rsa, p256, p384
    }

    public let kind: Kind
    public let isPrivate: Bool
    /// The key in ``defaultFormat``; a private key's bytes are key material: zero them once used.
    public private(set) var bytes: [UInt8]
    /// Cryptographic Length: the modulus's bits, or the curve's.
    public let bitLength: Int32

    /// RSA, or ECDSA for an EC key (the algorithm KMIP names for signing EC keys).
    public var algorithm: KMIPCryptographicAlgorithm { kind == .rsa ? .rsa : .ecdsa }

    /// PKCS#1 for RSA; PKCS#8 (private) or X.509 (public) for EC.
    public var defaultFormat: KMIPKeyFormatType { kind == .rsa ? .pkcs1 : (isPrivate ? .pkcs8 : .x509) }

    /// The bytes of a private key swift-crypto handed over as `Data`, which is zeroed once copied.
    static func taking(_ data: Data) -> [UInt8] {
        var data = data
        defer { data.resetBytes(in: 0..<data.count) }
        return Array(data)
    }

    /// Zeros the bytes this value holds (a private key's are key material).
    public mutating func zeroize() {
        bytes.secureZero()
    }

    /// Makes a key pair: RSA of `length` bits (2048, 3072 or 4096), or EC on
    /// the curve named by `curve` (Recommended Curve P-256 or P-384) or by `length`.
    public static func generate(
        algorithm: KMIPCryptographicAlgorithm, length: Int32?, curve: UInt32?
    ) throws(KMIPOperationError) -> (privateKey: KMIPAsymmetricKey, publicKey: KMIPAsymmetricKey) {
        do {
            switch algorithm {
            case .rsa:
                guard let length, [2048, 3072, 4096].contains(length) else {
                    throw KMIPOperationError(.invalidField, "an RSA key pair is 2048, 3072 or 4096 bits")
                }
                let key = try _RSA.Signing.PrivateKey(keySize: .init(bitCount: Int(length)))
                return (KMIPAsymmetricKey(kind: .rsa, isPrivate: true, bytes: Self.taking(key.derRepresentation), bitLength: length),
                        KMIPAsymmetricKey(kind: .rsa, isPrivate: false, bytes: Array(key.publicKey.pkcs1DERRepresentation), bitLength: length))
            case .ecdsa, .ec:
                switch try Self.curve(curve, length: length) {
                case .p256:
                    let key = P256.Signing.PrivateKey()
                    return (KMIPAsymmetricKey(kind: .p256, isPrivate: true, bytes: Self.taking(key.derRepresentation), bitLength: 256),
                            KMIPAsymmetricKey(kind: .p256, isPrivate: false, bytes: Array(key.publicKey.derRepresentation), bitLength: 256))
                default:
                    let key = P384.Signing.PrivateKey()
                    return (KMIPAsymmetricKey(kind: .p384, isPrivate: true, bytes: Self.taking(key.derRepresentation), bitLength: 384),
                            KMIPAsymmetricKey(kind: .p384, isPrivate: false, bytes: Array(key.publicKey.derRepresentation), bitLength: 384))
                }
            default:
                throw KMIPOperationError(.featureNotSupported, "key pairs are RSA or EC (ECDSA)")
            }
        } catch let error as KMIPOperationError {
            throw error
        } catch {
            throw KMIPOperationError(.cryptographicFailure, "the key pair could not be made")
        }
    }

    private static func curve(_ curve: UInt32?, length: Int32?) throws(KMIPOperationError) -> Kind {
        switch (curve, length) {
        case (KMIPRecommendedCurve.p256.rawValue?, _), (nil, 256?): return .p256
        case (KMIPRecommendedCurve.p384.rawValue?, _), (nil, 384?): return .p384
        default: throw KMIPOperationError(.featureNotSupported, "EC keys are on P-256 or P-384 (Recommended Curve, or Cryptographic Length 256 or 384)")
        }
    }

    private init(kind: Kind, isPrivate: Bool, bytes: [UInt8], bitLength: Int32) {
        self.kind = kind
        self.isPrivate = isPrivate
        self.bytes = bytes
        self.bitLength = bitLength
    }

    /// An RSA key given in a Transparent RSA Public or Private Key format: its integers (Big Integers,
    /// two's complement) in the Key Material structure. Kept in the default format (PKCS#1).
    public init(transparent keyMaterial: TTLVItem, isPrivate: Bool) throws(KMIPOperationError) {
        func integer(_ tag: TTLVTag) throws(KMIPOperationError) -> [UInt8] {
            guard case .bigInteger(let bytes)? = keyMaterial[tag]?.value else {
                throw KMIPOperationError(.invalidField, "a Transparent RSA key needs its \(tag) as a Big Integer")
            }
            // Two's complement: a leading 0x80 bit would make it negative, and no RSA integer is.
            guard let first = bytes.first, first & 0x80 == 0 else { throw KMIPOperationError(.invalidField, "RSA integers are positive") }
            return Array(bytes.drop { $0 == 0 })
        }
        // The size first: swift-crypto builds no RSA key under 2048 bits, and the reason should say so.
        let modulus = try integer(.modulus)
        let bits = modulus.isEmpty ? 0 : (modulus.count - 1) * 8 + (8 - modulus[0].leadingZeroBitCount)
        guard (2048...4096).contains(bits) else { throw KMIPOperationError(.invalidField, "RSA keys are 2048 to 4096 bits; this one is \(bits)") }
        do {
            if isPrivate {
                var parts = [modulus, try integer(.publicExponent), try integer(.privateExponent), try integer(.p), try integer(.q)]
                defer { for index in parts.indices { parts[index].secureZero() } }
                let rsa = try _RSA.Signing.PrivateKey(n: parts[0], e: parts[1], d: parts[2], p: parts[3], q: parts[4])
                guard (2048...4096).contains(rsa.keySizeInBits) else { throw KMIPOperationError(.invalidField, "RSA keys are 2048 to 4096 bits") }
                (kind, bytes, bitLength) = (.rsa, Self.taking(rsa.derRepresentation), Int32(rsa.keySizeInBits))
            } else {
                let rsa = try _RSA.Signing.PublicKey(n: modulus, e: try integer(.publicExponent))
                guard (2048...4096).contains(rsa.keySizeInBits) else { throw KMIPOperationError(.invalidField, "RSA keys are 2048 to 4096 bits") }
                (kind, bytes, bitLength) = (.rsa, Array(rsa.pkcs1DERRepresentation), Int32(rsa.keySizeInBits))
            }
        } catch let error as KMIPOperationError {
            throw error
        } catch {
            throw KMIPOperationError(.invalidField, "the integers do not make an RSA key")
        }
        self.isPrivate = isPrivate
    }

    /// Reads a key a client registers, or one stored here. Private: PKCS#1
    /// (RSA), PKCS#8, EC Private Key (SEC 1); public: PKCS#1 (RSA), X.509.
    /// The result holds it in ``defaultFormat``.
    public init(material: [UInt8], format: UInt32, isPrivate: Bool) throws(KMIPOperationError) {
        guard let format = KMIPKeyFormatType(rawValue: format) else { throw KMIPOperationError(.keyFormatTypeNotSupported, "unknown Key Format Type") }
        let allowed: Set<KMIPKeyFormatType> = isPrivate ? [.pkcs1, .pkcs8, .ecPrivateKey] : [.pkcs1, .x509]
        guard allowed.contains(format) else {
            throw KMIPOperationError(.keyFormatTypeNotSupported, isPrivate ? "private keys are PKCS#1, PKCS#8 or EC Private Key" : "public keys are PKCS#1 or X.509")
        }
        self.isPrivate = isPrivate
        if isPrivate {
            if format != .ecPrivateKey, let rsa = try? _RSA.Signing.PrivateKey(derRepresentation: material) {
                guard (2048...4096).contains(rsa.keySizeInBits) else { throw KMIPOperationError(.invalidField, "RSA keys are 2048 to 4096 bits") }
                (kind, bytes, bitLength) = (.rsa, Self.taking(rsa.derRepresentation), Int32(rsa.keySizeInBits))
            } else if format != .pkcs1, let ec = try? P256.Signing.PrivateKey(derRepresentation: material) {
                (kind, bytes, bitLength) = (.p256, Self.taking(ec.derRepresentation), 256)
            } else if format != .pkcs1, let ec = try? P384.Signing.PrivateKey(derRepresentation: material) {
                (kind, bytes, bitLength) = (.p384, Self.taking(ec.derRepresentation), 384)
            } else {
                throw KMIPOperationError(.invalidField, "the Key Material is not an RSA (2048 to 4096 bits), P-256 or P-384 private key in that format")
            }
        } else {
            if let rsa = try? _RSA.Signing.PublicKey(derRepresentation: material) {
                guard (2048...4096).contains(rsa.keySizeInBits) else { throw KMIPOperationError(.invalidField, "RSA keys are 2048 to 4096 bits") }
                (kind, bytes, bitLength) = (.rsa, Array(rsa.pkcs1DERRepresentation), Int32(rsa.keySizeInBits))
            } else if format == .x509, let ec = try? P256.Signing.PublicKey(derRepresentation: material) {
                (kind, bytes, bitLength) = (.p256, Array(ec.derRepresentation), 256)
            } else if format == .x509, let ec = try? P384.Signing.PublicKey(derRepresentation: material) {
                (kind, bytes, bitLength) = (.p384, Array(ec.derRepresentation), 384)
            } else {
                throw KMIPOperationError(.invalidField, "the Key Material is not an RSA (2048 to 4096 bits), P-256 or P-384 public key in that format")
            }
        }
    }

    /// The key in `format` (its default when nil): a private RSA key as PKCS#1
    /// or PKCS#8, a public RSA key as PKCS#1 or X.509, an EC key in its default only.
    public func encoded(as format: UInt32?) throws(KMIPOperationError) -> (format: KMIPKeyFormatType, bytes: [UInt8]) {
        let wanted = format.flatMap(KMIPKeyFormatType.init(rawValue:)) ?? defaultFormat
        if wanted == defaultFormat { return (wanted, bytes) }
        do {
            switch (kind, isPrivate, wanted) {
            case (.rsa, true, .pkcs8): return (wanted, Self.taking(try _RSA.Signing.PrivateKey(derRepresentation: bytes).pkcs8DERRepresentation))
            case (.rsa, false, .x509): return (wanted, Array(try _RSA.Signing.PublicKey(derRepresentation: bytes).derRepresentation))
            default: break
            }
        } catch {
            throw KMIPOperationError(.generalFailure, "the stored key could not be read")
        }
        throw KMIPOperationError(.keyFormatTypeNotSupported, "this key is given as \(defaultFormat)" + (kind == .rsa ? (isPrivate ? " or PKCS#8" : " or X.509") : ""))
    }
}
