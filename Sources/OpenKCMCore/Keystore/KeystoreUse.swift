/// What a keystore connection may be used for (`[keystores.<name>] use`).
public enum KeystoreUse: String, Sendable, Hashable, CaseIterable {
    /// Customers' L1 keys: tenants link to keys of this connection.
    case l1
    /// The key that seals the MasterKey (auto-unseal).
    case seal
    /// A key that holds one Shamir shard of the MasterKey.
    case shard
}
