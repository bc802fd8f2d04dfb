public import Foundation

/// Rotation policies and the rotations they make due. Each check reads the
/// ring again inside the tenant's transaction, so two nodes running the
/// schedule on one store rotate a due key once: the second finds the new
/// version, not due.
extension KeyChain {
    /// Sets a tenant's rotation policy (nil clears it: the platform's applies).
    public func setTenantRotationPolicy(_ tenant: TenantID, _ policy: RotationPolicy?) async throws {
        let checked = try policy?.validated()
        try await updateTenant(tenant) { ring throws(KeyChainError) in ring.rotationPolicy = checked }
    }

    /// Sets a service's rotation policy (nil clears it: the tenant's, then the platform's, applies).
    public func setServiceRotationPolicy(_ service: ServiceID, tenant: TenantID, _ policy: RotationPolicy?) async throws {
        let checked = try policy?.validated()
        try await updateService(tenant, service) { ring throws(KeyChainError) in ring.rotationPolicy = checked }
    }

    /// When a ring's current version is due, under its period; nil when it cannot rotate (not active: a retired service).
    static func due(_ ring: KeyRing, periodSeconds: Int, seed: String) -> Date? {
        guard let current = ring.version(ring.currentVersion), current.state == .active else { return nil }
        return RotationSchedule.dueDate(createdAt: current.createdAt, periodSeconds: periodSeconds, jitterSeed: "\(seed)/v\(current.version)")
    }

    /// When the tenant's L2.1 is due next, and under which policy.
    public func tenantKeyDue(_ ring: TenantKeyRing, defaults: RotationDefaults) -> (dueAt: Date?, periodSeconds: Int, source: RotationPolicySource) {
        let (seconds, source) = defaults.period(ring.rotationPolicy)
        return (Self.due(ring.tenantKeys, periodSeconds: seconds, seed: "\(ring.tenant)/L2.1"), seconds, source)
    }

    /// When the service's L3 is due next, and under which policy.
    public func serviceKeyDue(
        _ ring: ServiceKeyRing, tenant: TenantKeyRing, defaults: RotationDefaults
    ) -> (dueAt: Date?, periodSeconds: Int, source: RotationPolicySource) {
        let (seconds, source) = defaults.period(ring.rotationPolicy, tenant: tenant.rotationPolicy)
        return (Self.due(ring.serviceKeys, periodSeconds: seconds, seed: "\(ring.tenant)/\(ring.service)/L3"), seconds, source)
    }

    /// Rotates the tenant's L2.1 if its current version is due at `now`; nil when not due (or locked: a locked tenant waits).
    public func rotateTenantKeyIfDue(_ tenant: TenantID, defaults: RotationDefaults, now: Date) async throws -> ScheduledRotation? {
        try await tenantTransaction(tenant) {
            let ring = try await readTenant(tenant)
            guard ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil else { return nil }
            let (dueAt, seconds, source) = tenantKeyDue(ring, defaults: defaults)
            guard let dueAt, dueAt <= now else { return nil }
            let version = try await rotateTenantKeyLocked(tenant)
            return ScheduledRotation(layer: .l2_1, tenant: tenant, version: version, periodSeconds: seconds, source: source, dueAt: dueAt)
        }
    }

    /// Rotates the service's L3 if its current version is due at `now`; nil when not due, retired, or its tenant is locked.
    public func rotateServiceKeyIfDue(
        _ service: ServiceID, tenant: TenantID, defaults: RotationDefaults, now: Date
    ) async throws -> ScheduledRotation? {
        try await tenantTransaction(tenant) {
            let tenantRing = try await readTenant(tenant)
            guard tenantRing.l1UnlinkedAt == nil, tenantRing.l1ProviderLock == nil else { return nil }
            let ring = try await readService(tenant, service)
            let (dueAt, seconds, source) = serviceKeyDue(ring, tenant: tenantRing, defaults: defaults)
            guard let dueAt, dueAt <= now else { return nil }
            let version = try await rotateServiceKeyLocked(service, tenant: tenant)
            return ScheduledRotation(
                layer: .l3, tenant: tenant, service: service, version: version, periodSeconds: seconds, source: source, dueAt: dueAt)
        }
    }
}
