public import OpenKCMCore

extension Operations {
    /// Creates a tenant whose L2 is wrapped by the customer's L1 (governance).
    public func createTenant(_ tenant: TenantID, l1: KeystoreReference, caller: Caller) async throws -> TenantView {
        try await perform(.tenantCreate, caller: caller, tenant: tenant, key: l1.description, sync: true) { core in
            try self.core.checkL1Link(l1, tenant: tenant)
            // Leftovers of a tenant of that name destroyed before (records its keys no longer open); never a live tenant's.
            if try await !core.keyChain.tenants().contains(tenant) { try await purgeKMIPObjects(tenant: tenant) }
            return TenantView(try await core.keyChain.createTenant(tenant, l1: l1))
        }
    }
}
