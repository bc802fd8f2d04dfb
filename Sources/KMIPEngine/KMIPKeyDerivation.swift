public import Crypto
import CryptoExtras
import Foundation
public import KMIP

/// Derive Key's computation, with no I/O: the Derivation Method and
/// Derivation Parameters of a request, applied to the base object's
/// material. Served methods:
/// - PBKDF2 (PKCS #5 v2.1): the base object is the password; Salt and
///   Iteration Count required; HMAC with the Cryptographic Parameters'
///   Hashing Algorithm (SHA-256 unless named).
/// - HMAC: HKDF (RFC 5869), HMAC's extract-and-expand, with the Salt and
///   the Derivation Data as its info, as PyKMIP's server computes it; HKDF
///   (KMIP 2.1) is the same computation.
/// - NIST SP 800-108 counter mode: HMAC as the PRF, a 32-bit big-endian
///   counter from 1 before the fixed input, which is the Derivation Data.
/// - Encrypt: the Derivation Data encrypted under the base key as the
///   Cryptographic Parameters say (the Initialization Vector as its IV).
/// The derived material is the first Cryptographic Length bits of the output.
public struct KMIPKeyDerivation: Sendable {
    /// The Derivation Method asked.
    public var method: KMIPDerivationMethod
    var hash: KMIPHashingAlgorithm
    var salt: [UInt8]
    var iterations: Int
    var data: [UInt8]
    var initializationVector: [UInt8]?
    var cryptographicParameters: TTLVItem?

    /// PBKDF2 work beyond this is refused: iterations times output blocks (PBKDF2 runs its iterations once per
    /// hash-sized block of output), so one item costs at most about a second of one core. A million iterations
    /// for one block is well past today's guidance.
    public static let maximumIterations = 1_000_000
    /// The longest key derived (bits).
    public static let maximumLength: Int32 = 4096

    /// Reads the Derivation Method and Derivation Parameters of a Derive Key payload; refuses methods not
    /// served and parameters a method needs but lacks.
    public init(_ payload: TTLVItem) throws(KMIPOperationError) {
        guard let raw = payload[.derivationMethod]?.enumerationValue, let method = KMIPDerivationMethod(rawValue: raw) else {
            throw KMIPOperationError(.invalidField, "Derive Key needs a Derivation Method")
        }
        guard [.pbkdf2, .hmac, .hkdf, .nist800108Counter, .encrypt].contains(method) else {
            throw KMIPOperationError(.featureNotSupported, "Derivation Methods served: PBKDF2, HMAC, HKDF, NIST800-108-C, Encrypt")
        }
        let parameters = payload[.derivationParameters]
        self.method = method
        cryptographicParameters = parameters?[.cryptographicParameters]
        let hashing = cryptographicParameters?[.hashingAlgorithm]?.enumerationValue
        guard let hash = hashing.map(KMIPHashingAlgorithm.init(rawValue:)) ?? .sha256,
              [.sha1, .sha256, .sha384, .sha512].contains(hash) else {
            throw KMIPOperationError(.featureNotSupported, "derivation hashes served: SHA-1, SHA-256, SHA-384, SHA-512")
        }
        self.hash = hash
        salt = parameters?[.salt]?.bytesValue ?? []
        data = parameters?[.derivationData]?.bytesValue ?? []
        initializationVector = parameters?[.initializationVector]?.bytesValue
        iterations = 0
        switch method {
        case .pbkdf2:
            guard !salt.isEmpty else { throw KMIPOperationError(.invalidField, "PBKDF2 needs a Salt") }
            guard let count = parameters?[.iterationCount]?.integerValue, count >= 1, Int(count) <= Self.maximumIterations else {
                throw KMIPOperationError(.invalidField, "PBKDF2 needs an Iteration Count of 1 to \(Self.maximumIterations)")
            }
            iterations = Int(count)
        case .nist800108Counter, .encrypt:
            guard !data.isEmpty else { throw KMIPOperationError(.invalidField, "\(method) needs Derivation Data") }
        default: break
        }
    }

    /// The derived material: `length` bits (a whole number of bytes) from `base`.
    /// `baseAlgorithm` and `baseParameters` are the base key's own: the Encrypt method uses the key as
    /// Encrypt would, within the mode its parameters bind.
    public func derive(from base: [UInt8], length: Int32, baseAlgorithm: UInt32?, baseParameters: TTLVItem? = nil) throws(KMIPOperationError) -> [UInt8] {
        guard length > 0, length % 8 == 0, length <= Self.maximumLength else {
            throw KMIPOperationError(.invalidField, "the derived key's Cryptographic Length is a multiple of 8 up to \(Self.maximumLength)")
        }
        let count = Int(length / 8)
        guard !base.isEmpty else { throw KMIPOperationError(.invalidField, "the base object has no material") }
        var output: [UInt8]
        switch method {
        case .pbkdf2:
            let blocks = (count + Self.digestSize(hash) - 1) / Self.digestSize(hash)
            guard iterations * blocks <= Self.maximumIterations else {
                throw KMIPOperationError(.invalidField, "PBKDF2 work (Iteration Count x output blocks) is at most \(Self.maximumIterations)")
            }
            let function: KDF.Insecure.PBKDF2.HashFunction = switch hash {
            case .sha1: .insecureSHA1
            case .sha384: .sha384
            case .sha512: .sha512
            default: .sha256
            }
            do {
                // The checked entry point insists on 210,000 rounds; the client's Iteration Count is its own choice, bounded above.
                let key = try KDF.Insecure.PBKDF2.deriveKey(from: base, salt: salt, using: function, outputByteCount: count, unsafeUncheckedRounds: iterations)
                output = key.withUnsafeBytes { Array($0) }
            } catch {
                throw KMIPOperationError(.cryptographicFailure, "PBKDF2 failed")
            }
        case .hmac, .hkdf:
            let limit = 255 * Self.digestSize(hash)
            guard count <= limit else { throw KMIPOperationError(.invalidField, "HKDF with this hash gives at most \(limit) bytes") }
            let input = SymmetricKey(data: base)
            output = switch hash {
            case .sha1: Self.bytes(HKDF<Insecure.SHA1>.deriveKey(inputKeyMaterial: input, salt: salt, info: data, outputByteCount: count))
            case .sha384: Self.bytes(HKDF<SHA384>.deriveKey(inputKeyMaterial: input, salt: salt, info: data, outputByteCount: count))
            case .sha512: Self.bytes(HKDF<SHA512>.deriveKey(inputKeyMaterial: input, salt: salt, info: data, outputByteCount: count))
            default: Self.bytes(HKDF<SHA256>.deriveKey(inputKeyMaterial: input, salt: salt, info: data, outputByteCount: count))
            }
        case .nist800108Counter:
            output = switch hash {
            case .sha1: Self.counterMode(HMAC<Insecure.SHA1>.self, key: base, fixed: data, count: count)
            case .sha384: Self.counterMode(HMAC<SHA384>.self, key: base, fixed: data, count: count)
            case .sha512: Self.counterMode(HMAC<SHA512>.self, key: base, fixed: data, count: count)
            default: Self.counterMode(HMAC<SHA256>.self, key: base, fixed: data, count: count)
            }
        default:
            var payload: [TTLVItem] = []
            if let cryptographicParameters { payload.append(cryptographicParameters) }
            if let initializationVector { payload.append(TTLVItem(.ivCounterNonce, .byteString(initializationVector))) }
            let cipher = try KMIPCipher(.structure(.requestPayload, payload), keyParameters: baseParameters, keyAlgorithm: baseAlgorithm)
            guard cipher.iv != nil || cipher.mode == .ecb else {
                throw KMIPOperationError(.invalidField, "Encrypt derivation needs the Initialization Vector for this mode")
            }
            output = try cipher.encrypt(data, key: SymmetricKey(data: base)).data
        }
        guard output.count >= count else {
            output.secureZero()
            throw KMIPOperationError(.cryptographicFailure, "the derivation gives \(output.count * 8) bits, fewer than the \(length) asked")
        }
        guard output.count > count else { return output }
        let derived = Array(output.prefix(count))
        output.secureZero()
        return derived
    }

    /// SP 800-108 KDF in counter mode: K(i) = PRF(key, [i]32 || fixed), i = 1, 2, ... until `count` bytes.
    static func counterMode<Function: HashFunction>(_: HMAC<Function>.Type, key: [UInt8], fixed: [UInt8], count: Int) -> [UInt8] {
        let symmetric = SymmetricKey(data: key)
        var output: [UInt8] = []
        output.reserveCapacity(count + Function.Digest.byteCount)
        var counter: UInt32 = 1
        while output.count < count {
            var mac = HMAC<Function>(key: symmetric)
            mac.update(data: [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF), UInt8(counter & 0xFF)])
            mac.update(data: fixed)
            output += Array(mac.finalize())
            counter += 1
        }
        return output
    }

    static func digestSize(_ hash: KMIPHashingAlgorithm) -> Int {
        switch hash {
        case .sha1: 20
        case .sha384: 48
        case .sha512: 64
        default: 32
        }
    }

    static func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }
}
