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
        if policy?.rootPeriodSeconds != nil { throw KeyChainError.invalidRotationPolicy("an L2 rotation period belongs to the tenant's policy, not a service's") }
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
            try refuseIfLockedInMemory(tenant)
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
            try refuseIfLockedInMemory(tenant)
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

/// Expiry: a version that is no longer current and is past its period
/// becomes Deactivated (NIST SP 800-57's processing-only use): it still
/// opens what it wrapped, but can never wrap again, nor be rolled back to.
extension KeyChain {
    /// The versions of `ring` that expire at `now`: active, not current, created a period or more ago.
    static func expiring(_ ring: KeyRing, periodSeconds: Int, now: Date) -> [UInt32] {
        ring.versions.filter { $0.version != ring.currentVersion && $0.state == .active && $0.createdAt.addingTimeInterval(Double(periodSeconds)) <= now }
            .map(\.version)
    }

    /// The tenant's L2.1 versions that expire at `now` (a read, for the schedule's look before its transaction).
    public func expiringTenantKeys(_ ring: TenantKeyRing, defaults: RotationDefaults, now: Date) -> [UInt32] {
        Self.expiring(ring.tenantKeys, periodSeconds: defaults.period(ring.rotationPolicy).seconds, now: now)
    }

    /// The service's L3 versions that expire at `now`.
    public func expiringServiceKeys(_ ring: ServiceKeyRing, tenant: TenantKeyRing, defaults: RotationDefaults, now: Date) -> [UInt32] {
        Self.expiring(ring.serviceKeys, periodSeconds: defaults.period(ring.rotationPolicy, tenant: tenant.rotationPolicy).seconds, now: now)
    }

    /// Deactivates the tenant's expired L2.1 versions; returns them (none while the tenant is locked).
    public func deactivateExpiredTenantKeys(_ tenant: TenantID, defaults: RotationDefaults, now: Date) async throws -> [UInt32] {
        try await tenantTransaction(tenant) {
            try refuseIfLockedInMemory(tenant)
            var ring = try await readTenant(tenant)
            guard ring.l1UnlinkedAt == nil, ring.l1ProviderLock == nil else { return [] }
            let expired = Self.expiring(ring.tenantKeys, periodSeconds: defaults.period(ring.rotationPolicy).seconds, now: now)
            guard !expired.isEmpty else { return [] }
            for version in expired { try ring.tenantKeys.transition(version, to: .deactivated) }
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
            return expired
        }
    }

    /// Deactivates the service's expired L3 versions; returns them (none while its tenant is locked).
    public func deactivateExpiredServiceKeys(
        _ service: ServiceID, tenant: TenantID, defaults: RotationDefaults, now: Date
    ) async throws -> [UInt32] {
        try await tenantTransaction(tenant) {
            try refuseIfLockedInMemory(tenant)
            let tenantRing = try await readTenant(tenant)
            guard tenantRing.l1UnlinkedAt == nil, tenantRing.l1ProviderLock == nil else { return [] }
            var ring = try await readService(tenant, service)
            let period = defaults.period(ring.rotationPolicy, tenant: tenantRing.rotationPolicy).seconds
            let expired = Self.expiring(ring.serviceKeys, periodSeconds: period, now: now)
            guard !expired.isEmpty else { return [] }
            for version in expired { try ring.serviceKeys.transition(version, to: .deactivated) }
            try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
            forgetService(tenant, service)
            return expired
        }
    }
}
