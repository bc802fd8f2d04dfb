/// Why an L1 link was refused by the keystore connections' rules.
public enum L1PolicyError: OpenKCMError, Equatable {
    /// The connection is not declared for customers' L1 keys (`use` lacks `"l1"`).
    case notForL1(provider: String)
    /// The connection names the tenants it serves, and not this one.
    case tenantNotAllowed(provider: String, tenant: TenantID)
    /// The connection names the keys tenants may link, and this is none of them.
    case keyNotAllowed(KeystoreReference)
    /// The key seals the MasterKey or holds one of its shards: linked as an L1 it
    /// would tie a customer's kill switch to the server's own seal.
    case sealKey(KeystoreReference)

    public var code: String {
        switch self {
        case .notForL1: "l1.not_for_l1"
        case .tenantNotAllowed: "l1.tenant_not_allowed"
        case .keyNotAllowed: "l1.key_not_allowed"
        case .sealKey: "l1.seal_key"
        }
    }

    public var description: String {
        switch self {
        case .notForL1(let provider): "keystore connection '\(provider)' is not declared for L1 keys (its use does not include \"l1\")"
        case .tenantNotAllowed(let provider, let tenant): "keystore connection '\(provider)' does not serve tenant '\(tenant)'"
        case .keyNotAllowed(let reference): "\(reference) is not among the keys its connection allows as L1"
        case .sealKey(let reference): "\(reference) seals this server's MasterKey (or holds a shard of it) and can never be a tenant's L1"
        }
    }
}
