import Foundation

/// The server's own KMIP client CA as stored (`kmip/client-ca`), under the
/// barrier like every record: its P-256 private scalar and its certificate.
struct KMIPClientCARecord: Codable {
    var privateKey: Data
    var certificate: Data

    static let storageKey = "kmip/client-ca"
}
