import Foundation
import SwiftASN1
public import X509

/// What OpenKCM reads from an X.509 certificate beyond what swift-certificates
/// offers directly: bounded parsing with a ``PKIError``, the DER bytes, the CA
/// flag, and one issuer signature check.
///
/// Parsing checks structure, not trust: chains are verified by the TLS layer
/// (or ``ClientCertificateVerifier``); ``isIssued(by:)`` checks one signature.
extension Certificate {
    /// Certificates larger than this are refused before they are read.
    public static let maximumSize = 64 * 1024

    /// One certificate in DER; a key that is not ECDSA P-256 or P-384, or RSA of 2048 bits or more, is refused.
    public static func parse(derEncoded bytes: [UInt8]) throws(PKIError) -> Certificate {
        guard bytes.count <= maximumSize else { throw .unsupported("a certificate over \(maximumSize) bytes") }
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: bytes) } catch { throw .malformed("not an X.509 certificate: \(error)") }
        _ = try ClientPublicKey(certificate.publicKey)
        return certificate
    }

    /// A CA certificate to verify chains to, in DER: any key swift-certificates reads.
    public static func parseAnchor(derEncoded bytes: [UInt8]) throws(PKIError) -> Certificate {
        guard bytes.count <= maximumSize else { throw .unsupported("a certificate over \(maximumSize) bytes") }
        do { return try Certificate(derEncoded: bytes) } catch { throw .malformed("not an X.509 certificate: \(error)") }
    }

    /// Exactly one `CERTIFICATE` PEM block.
    public static func parse(pemEncoded text: String) throws(PKIError) -> Certificate {
        guard text.utf8.count <= 2 * maximumSize else { throw .unsupported("a certificate over \(maximumSize) bytes") }
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: text) } catch { throw .malformed("not PEM: \(error)") }
        guard documents.count == 1, documents[0].discriminator == "CERTIFICATE" else {
            throw .malformed("expected exactly one PEM block labelled CERTIFICATE")
        }
        return try parse(derEncoded: documents[0].derBytes)
    }

    /// The whole certificate, DER.
    public var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        // A parsed or issued certificate always serializes: it keeps the bytes it was read from or signed.
        try? serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// One `CERTIFICATE` block ending in a newline, so that blocks can be concatenated into a bundle.
    public var pemString: String {
        PEMDocument(type: "CERTIFICATE", derBytes: derBytes).pemString + "\n"
    }

    /// `basicConstraints` says `cA: TRUE`.
    public var isCertificateAuthority: Bool {
        guard case .isCertificateAuthority = try? extensions.basicConstraints else { return false }
        return true
    }

    /// Whether `issuer` signed this certificate: the names chain, and the
    /// signature verifies under the issuer's key.
    public func isIssued(by issuer: Certificate) -> Bool {
        issuer.subject == self.issuer && issuer.publicKey.isValidSignature(signature, for: self)
    }
}
