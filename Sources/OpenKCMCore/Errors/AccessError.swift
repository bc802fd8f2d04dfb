/// Why a caller was refused.
public enum AccessError: OpenKCMError, Equatable {
    /// No token, a malformed token, an unknown or revoked identity, or a wrong secret.
    case unauthenticated
    /// The role does not include the operation.
    case forbidden(role: Role, operation: OperationKind)
    /// A crypto identity asked for another tenant or service than its own, or
    /// a governance identity scoped to tenants for another tenant or a platform-wide operation.
    case outOfScope(operation: OperationKind)
    /// A crypto identity needs a tenant and a service; other roles take neither.
    case invalidScope(String)
    /// No identity has this id.
    case identityNotFound(String)
    /// A token from the identity provider (OIDC) was refused, for this reason.
    case tokenRefused(TokenRefusal)
    /// The identity's lifetime is over: sign in again, or have a new identity made.
    case expired
    /// The identity was made without an expiry: there is nothing to renew.
    case notRenewable

    public var code: String {
        switch self {
        case .unauthenticated: "access.unauthenticated"
        case .forbidden: "access.forbidden"
        case .outOfScope: "access.out_of_scope"
        case .invalidScope: "access.invalid_scope"
        case .identityNotFound: "access.identity_not_found"
        case .tokenRefused(let reason): "access.oidc_\(reason.rawValue)"
        case .expired: "access.token_expired"
        case .notRenewable: "access.not_renewable"
        }
    }

    public var description: String {
        switch self {
        case .unauthenticated: "missing, malformed, unknown or revoked token"
        case .forbidden(let role, let operation): "the \(role) role may not perform \(operation)"
        case .outOfScope(let operation): "\(operation) is outside this identity's tenant and service"
        case .invalidScope(let reason): "invalid identity scope: \(reason)"
        case .identityNotFound(let id): "no identity has the id '\(id)'"
        case .tokenRefused(.providerUnreachable): "the identity provider could not be reached to check the token"
        case .tokenRefused(let reason): "the identity provider's token was refused (\(reason.rawValue.split(separator: "_").joined(separator: " ")))"
        case .expired: "the token has expired; renew tokens before they expire (openkcm identity renew)"
        case .notRenewable: "this identity was made without an expiry; there is nothing to renew"
        }
    }
}
