import Crypto
import Foundation
import NIOSSL

/// How a KMIP client is recognised: the SHA-256 of its TLS certificate's DER
/// bytes, registered with its identity (`POST /v1/identities` with `certificate`).
enum KMIPClientCertificate {
    static func fingerprint(_ certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes() else { return nil }
        return SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }

    /// The fingerprint of the one certificate in `pem`, or nil when it is not one.
    static func fingerprint(pem: String) -> String? {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), certificates.count == 1 else { return nil }
        return fingerprint(certificates[0])
    }
}
