public import Crypto
public import Foundation

/// A report an auditor can carry away: its JSON bytes exactly as signed
/// (base64, so no re-encoding can change them) and an Ed25519 signature by
/// the server's report key, which is kept sealed under the MasterKey. The
/// public key travels with it; its fingerprint is what to compare with the
/// one the server publishes (`GET /v1/reports/signing-key`), once, out of band.
public struct SignedReport: Sendable, Codable, Equatable {
    public static let algorithm = "Ed25519"

    public var algorithm: String
    /// The signing key's raw 32 bytes, base64.
    public var publicKey: String
    /// SHA-256 of the raw public key, hex.
    public var keyFingerprint: String
    /// The report's JSON, base64.
    public var payload: String
    public var signature: String

    /// Signs `payload` with `key`.
    public init(payload: Data, key: Curve25519.Signing.PrivateKey) throws {
        algorithm = Self.algorithm
        publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        keyFingerprint = Self.fingerprint(key.publicKey)
        self.payload = payload.base64EncodedString()
        signature = try key.signature(for: payload).base64EncodedString()
    }

    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        Array(SHA256.hash(data: key.rawRepresentation)).hexString
    }

    /// Why a signed report does not verify.
    public enum VerificationError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case otherKey(expected: String, found: String)
        case badSignature

        public var description: String {
            switch self {
            case .malformed(let reason): "the signed report is malformed: \(reason)"
            case .otherKey(let expected, let found): "the report is signed by key \(found), not by the expected \(expected)"
            case .badSignature: "the signature does not verify: the report was changed after it was signed, or signed by another key"
            }
        }
    }

    /// Checks the signature (and, given `expectedFingerprint`, that the key is that one); returns the report's JSON.
    public func verified(expectedFingerprint: String? = nil) throws(VerificationError) -> Data {
        guard algorithm == Self.algorithm else { throw .malformed("algorithm \(algorithm), expected \(Self.algorithm)") }
        guard let keyBytes = Data(base64Encoded: publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            throw .malformed("the public key is not a base64 Ed25519 key")
        }
        guard let bytes = Data(base64Encoded: payload), let signatureBytes = Data(base64Encoded: signature) else {
            throw .malformed("the payload or the signature is not base64")
        }
        let found = Self.fingerprint(key)
        if let expectedFingerprint, expectedFingerprint.lowercased() != found { throw .otherKey(expected: expectedFingerprint, found: found) }
        guard found == keyFingerprint else { throw .malformed("the fingerprint does not match the public key") }
        guard key.isValidSignature(signatureBytes, for: bytes) else { throw .badSignature }
        return bytes
    }
}
