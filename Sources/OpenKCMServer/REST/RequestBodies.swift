import Foundation
import OpenKCMCore

/// `POST /v1/sys/init`
struct InitBody: RequestBody {
    static let fields: Set<String> = ["shares", "threshold", "sharePublicKeys", "shardKeystores"]
    var shares: Int?
    /// Ignored with an auto-unseal keystore; defaults to 3.
    var threshold: Int?
    /// PEM public keys, one per share: each share is returned encrypted to one custodian.
    var sharePublicKeys: [String]?
    /// One keystore per share: the shares are stored wrapped and the server unseals itself.
    var shardKeystores: [L1Body]?
}

/// `POST /v1/sys/unseal`
struct UnsealBody: RequestBody {
    static let fields: Set<String> = ["share"]
    /// The share as `openkcm operator init` printed it (hex).
    var share: String
}

/// An L1 reference: a configured keystore's provider and key.
struct L1Body: RequestBody {
    static let fields: Set<String> = ["provider", "key"]
    var provider: String
    var key: String

    var reference: KeystoreReference { KeystoreReference(provider: provider, key: key) }
}

/// `POST /v1/keystores/{provider}/import`: BYOK key material for `key`.
struct ImportKeyBody: RequestBody {
    static let fields: Set<String> = ["key", "material"]
    var key: String
    /// The 256-bit key, base64.
    var material: String
}

/// `POST /v1/tenants`
struct CreateTenantBody: RequestBody {
    static let fields: Set<String> = ["id", "l1"]
    var id: String
    var l1: L1Body
}

/// `POST .../keys/rollback`, `PUT .../keys/min-decryption-version`
struct VersionBody: RequestBody {
    static let fields: Set<String> = ["version"]
    var version: UInt32
}

/// `POST /v1/tenants/{tenant}/services`
struct CreateServiceBody: RequestBody {
    static let fields: Set<String> = ["id"]
    var id: String
}

/// `POST /v1/identities`
struct CreateIdentityBody: RequestBody {
    static let fields: Set<String> = ["name", "role", "tenant", "service", "certificate", "region", "ttlSeconds"]
    var name: String
    var role: Role
    var tenant: String?
    var service: String?
    /// The region a core identity reads (role core only).
    var region: String?
    /// A KMIP client's TLS certificate (PEM): the identity is then also found by it.
    var certificate: String?
    /// The identity's lifetime (60 s to 3 years; renewable); 0: none, said explicitly. Default: 24 h for
    /// people (root, governance, auditor), none for services (crypto, core).
    var ttlSeconds: Int?
}

/// One data-key request: generate, wrap, unwrap or rewrap, alone or in a batch.
struct DataKeyItem: RequestBody {
    static let fields: Set<String> = ["context", "plaintext", "wrapped", "subject"]
    var context: [String: String]?
    /// base64 L4 to wrap.
    var plaintext: String?
    /// base64 blob to unwrap or rewrap.
    var wrapped: String?
    /// The subject the key is bound to (a user id); crypto-shredded with it.
    var subject: String? = nil
}

/// `POST .../subjects/destroy`: the subject travels in the body, not the
/// path, so a user id (personal data, any UTF-8) never lands in URLs or access logs.
struct SubjectBody: RequestBody {
    static let fields: Set<String> = ["subject"]
    var subject: String
}

/// A batch of up to ``maximumItems`` data-key requests.
struct BatchBody: RequestBody {
    static let fields: Set<String> = ["items"]
    static let maximumItems = 1000
    var items: [DataKeyItem]
}

/// One answer to a data-key request; in a batch, an item that fails carries its own problem.
struct DataKeyResult: Encodable {
    var plaintext: String?
    var wrapped: String?
    var serviceKeyVersion: UInt32?
    /// A rewrap's: the L3 version the blob was wrapped under before.
    var fromServiceKeyVersion: UInt32?
    var error: ProblemDetails?

    /// The answer as JSON, written by hand: base64 needs no escaping, and
    /// this runs for every data key.
    func json() throws -> [UInt8] {
        var writer = JSONWriter()
        if let error {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            writer.rawField("error", Array(try encoder.encode(error)))
        }
        writer.field("fromServiceKeyVersion", fromServiceKeyVersion.map(UInt64.init))
        writer.field("plaintext", plaintext)
        writer.field("serviceKeyVersion", serviceKeyVersion.map(UInt64.init))
        writer.field("wrapped", wrapped)
        return writer.finished()
    }
}

/// `POST /v1/kmip/clients`: a KMIP client, either issued a certificate by the
/// server's client CA (`publicKey`) or mapped by its subject at a trusted CA
/// (`trustedCA` and `subject`).
struct KMIPClientBody: RequestBody {
    static let fields: Set<String> = ["name", "tenant", "service", "publicKey", "days", "trustedCA", "subject"]
    var name: String
    var tenant: String
    var service: String
    /// PEM SubjectPublicKeyInfo (`PUBLIC KEY`): ECDSA P-256/P-384 or RSA ≥ 2048.
    var publicKey: String?
    /// How long the certificate is valid; default 365.
    var days: Int?
    var trustedCA: String?
    /// RFC 4514, as the certificates will carry it.
    var subject: String?
}

/// `POST /v1/kmip/trusted-cas`
struct TrustedCABody: RequestBody {
    static let fields: Set<String> = ["name", "certificate"]
    var name: String
    /// The CA certificate, PEM.
    var certificate: String
}

/// `PUT /v1/kmip/trusted-cas/{id}`: the CA's renewed certificate.
struct RenewTrustedCABody: RequestBody {
    static let fields: Set<String> = ["certificate"]
    /// PEM, self-signed, with the same subject.
    var certificate: String
}

/// `POST /v1/sys/rekey/init`
struct RekeyInitBody: RequestBody {
    static let fields: Set<String> = ["shares", "threshold", "sharePublicKeys"]
    var shares: Int
    var threshold: Int
    /// PEM public keys, one per new share: each new share is returned encrypted to one custodian.
    var sharePublicKeys: [String]?
}

/// `POST /v1/sys/rekey/update`, `POST /v1/sys/generate-root/update`
struct QuorumShareBody: RequestBody {
    static let fields: Set<String> = ["nonce", "share"]
    /// The attempt's nonce, as its status shows it.
    var nonce: String
    /// One current share (hex, as init or the last rekey printed it).
    var share: String
}

/// `POST /v1/sys/generate-root/init`
struct GenerateRootInitBody: RequestBody {
    static let fields: Set<String> = ["recipientKey"]
    /// The PEM public key (RSA of 2048 bits or more, or X25519) the new root token is encrypted to.
    var recipientKey: String
}

/// `PUT .../rotation-policy`: a field left out (or null) inherits (service -> tenant -> platform).
struct RotationPolicyBody: RequestBody {
    static let fields: Set<String> = ["periodSeconds", "rootPeriodSeconds", "decryptOnlySeconds", "maximumWraps"]
    /// 86400 (1 day) to 220752000 (7 years).
    var periodSeconds: Int?
    /// The L2's period (a tenant's policy only), in the same range.
    var rootPeriodSeconds: Int?
    /// How long a replaced L2.1 version keeps opening data (a tenant's policy only), in the same range.
    var decryptOnlySeconds: Int?
    /// Wraps per L3 version before it is replaced: 1048576 to 2147483648.
    var maximumWraps: UInt64?

    var policy: RotationPolicy? {
        let policy = RotationPolicy(periodSeconds: periodSeconds, rootPeriodSeconds: rootPeriodSeconds, decryptOnlySeconds: decryptOnlySeconds,
                                    maximumWraps: maximumWraps)
        return policy == RotationPolicy() ? nil : policy
    }
}
