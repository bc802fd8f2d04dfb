public import OpenKCMCore

extension Operations {
    /// Marks an L3 version compromised (governance): rotated away from if
    /// current, it never wraps again and stays unwrap-only, so applications
    /// can rewrap their stored data keys, until it is closed.
    public func compromiseServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32, caller: Caller) async throws -> ServiceKeyCompromise {
        try await perform(.serviceKeyCompromise, caller: caller, tenant: tenant, service: service, key: "L3 v\(version)", sync: true) { core in
            try await core.keyChain.compromiseServiceKey(service, tenant: tenant, version: version)
        }
    }

    /// Closes a compromised L3 version (governance): the data keys still under it no longer open.
    public func closeServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32, caller: Caller) async throws {
        try await perform(.serviceKeyClose, caller: caller, tenant: tenant, service: service, key: "L3 v\(version)", sync: true) { core in
            try await core.keyChain.closeServiceKey(service, tenant: tenant, version: version)
        }
    }
}
