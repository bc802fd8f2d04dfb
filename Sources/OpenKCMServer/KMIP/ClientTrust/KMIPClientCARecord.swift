import Foundation

/// One of the server's own KMIP client CAs as stored (`kmip/client-ca/<id>`),
/// under the barrier like every record: its P-256 private scalar and its
/// certificate. Normally there is one; two replicas issuing the first client
/// certificate at the same moment can each make one: every one stays trusted,
/// and certificates are issued by the one with the smallest id.
struct KMIPClientCARecord: Codable {
    var privateKey: Data
    var certificate: Data

    static let storagePrefix = "kmip/client-ca/"
}
