public import OpenKCMCore

extension Operations {
    /// Marks an L3 version compromised (governance): rotated away from if
    /// current, it never wraps again and stays unwrap-only, so applications
    /// can rewrap their stored data keys, until it is closed. The service's
    /// KMIP objects, whose L4s the server keeps itself, are moved off it here
    /// (``rewrapKMIPObjects(tenant:service:versions:unsealed:)``).
    public func compromiseServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32, caller: Caller) async throws -> ServiceKeyCompromise {
        try await perform(.serviceKeyCompromise, caller: caller, tenant: tenant, service: service, key: "L3 v\(version)", sync: true) { core in
            var compromise = try await core.keyChain.compromiseServiceKey(service, tenant: tenant, version: version)
            guard compromise.stillOpens, self.core.plane != .governance else { return compromise }
            // The compromise stands even if this fails: the rotation schedule's next pass moves what is left.
            compromise.kmipObjectsRewrapped = try? await rewrapKMIPObjects(tenant: tenant, service: service, versions: [version], unsealed: core)
            return compromise
        }
    }

    /// Closes a compromised L3 version (governance): the data keys still under it no longer open.
    public func closeServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32, caller: Caller) async throws {
        try await perform(.serviceKeyClose, caller: caller, tenant: tenant, service: service, key: "L3 v\(version)", sync: true) { core in
            try await core.keyChain.closeServiceKey(service, tenant: tenant, version: version)
        }
    }
}
