import Crypto

/// A KMIP client known by who its certificate names rather than by the
/// certificate itself: any certificate the trusted CA `authority` issues for
/// exactly `subject` (RFC 4514 text, compared byte for byte) is this client.
public struct CertificateSubject: Sendable, Hashable, Codable {
    /// The trusted CA's id.
    public let authority: String
    public let subject: String

    public init(authority: String, subject: String) {
        self.authority = authority
        self.subject = subject
    }

    /// The storage index key: fixed length whatever the subject holds.
    var digest: String {
        var input = Array(authority.utf8)
        input.append(0)
        input += Array(subject.utf8)
        return Array(SHA256.hash(data: input)).hexString
    }
}
