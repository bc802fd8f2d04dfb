public import OpenKCMCore

/// A KMIP client registration refused: a certificate, key or subject that
/// does not do, or a trusted CA that is missing or clashes.
public enum KMIPClientError: OpenKCMError, Hashable {
    /// A certificate, public key or subject given by the caller (the reason from the X.509 reader).
    case invalidInput(String)
    case trustedAuthorityNotFound(String)
    /// A second CA with the same subject would make "which CA issued this" ambiguous.
    case trustedAuthorityConflict(String)
    /// No client certificate has been issued yet, so the server has no client CA.
    case noClientAuthority

    public var code: String {
        switch self {
        case .invalidInput: "kmip_client.invalid"
        case .trustedAuthorityNotFound: "kmip_client.trusted_ca_not_found"
        case .trustedAuthorityConflict: "kmip_client.trusted_ca_conflict"
        case .noClientAuthority: "kmip_client.no_client_ca"
        }
    }

    public var description: String {
        switch self {
        case .invalidInput(let reason): reason
        case .trustedAuthorityNotFound(let id): "no trusted CA \(id)"
        case .trustedAuthorityConflict(let reason): reason
        case .noClientAuthority: "the server has no KMIP client CA yet: it is made when the first client certificate is issued"
        }
    }
}
