/// Which keys tenants may link as their L1, from the keystore connections'
/// configuration: each connection says what it is for (`use`), and may name
/// the tenants it serves and the keys they may link. The keys that seal the
/// MasterKey or hold its shards are never an L1, whatever the configuration
/// says: a customer's kill switch must not depend on the server's own seal.
public struct L1LinkPolicy: Sendable, Equatable {
    /// One connection's rules.
    public struct Connection: Sendable, Equatable {
        public var uses: Set<KeystoreUse>
        /// The tenants that may link keys of this connection; nil: any.
        public var tenants: Set<TenantID>?
        /// The keys they may link: exact names, or prefixes ending in `*`; nil: any.
        public var keys: [String]?

        public init(uses: Set<KeystoreUse>, tenants: Set<TenantID>? = nil, keys: [String]? = nil) {
            self.uses = uses
            self.tenants = tenants
            self.keys = keys
        }

        func allows(key: String) -> Bool {
            guard let keys else { return true }
            return keys.contains { pattern in
                pattern.hasSuffix("*") ? key.hasPrefix(pattern.dropLast()) : key == pattern
            }
        }
    }

    /// Connection name -> its rules. With rules for some connections, a provider not named is refused;
    /// with none at all, it is judged by whoever resolves it.
    public var connections: [String: Connection]

    public init(connections: [String: Connection] = [:]) {
        self.connections = connections
    }

    /// Throws unless `tenant` may link `l1`; `reserved` are the seal's and shards' keys.
    public func check(_ l1: KeystoreReference, tenant: TenantID, reserved: [KeystoreReference]) throws(L1PolicyError) {
        guard !reserved.contains(where: { $0.provider == l1.provider && $0.key == l1.key }) else { throw .sealKey(l1) }
        guard let connection = connections[l1.provider] else {
            // No rules at all (a governance plane without keystore connections): whoever resolves the provider judges.
            // Rules for others but not for this one (a connection added by a reload): refused until a restart reads its rules.
            if connections.isEmpty { return }
            throw .notForL1(provider: l1.provider)
        }
        guard connection.uses.contains(.l1) else { throw .notForL1(provider: l1.provider) }
        if let tenants = connection.tenants, !tenants.contains(tenant) { throw .tenantNotAllowed(provider: l1.provider, tenant: tenant) }
        guard connection.allows(key: l1.key) else { throw .keyNotAllowed(l1) }
    }
}
