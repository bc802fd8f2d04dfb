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
        let checked = try policy?.validatedForService()
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

/// The decrypt-only window: an L2.1 version replaced longer ago than the
/// window is retired: the L3 versions it wraps are wrapped again by the
/// current L2.1 version (their keys unchanged, so every data key still
/// opens), then the minimum decryption version rises over it. An L3 version
/// that cannot be opened now (below its service's minimum decryption
/// version, which can be lowered again) still depends on it and keeps it
/// open; one that can never open again (compromised and closed) does not.
/// It never passes the current version.
extension KeyChain {
    /// The minimum decryption version the window allows for `ring`, from the versions' dates (and, given, what depends on them).
    static func windowMinimum(_ ring: KeyRing, windowSeconds: Int, now: Date, dependedOn: Set<UInt32>) -> UInt32 {
        var minimum = ring.minimumDecryptionVersion
        while minimum < ring.currentVersion, !dependedOn.contains(minimum),
              let replacedAt = ring.version(minimum + 1)?.createdAt, replacedAt.addingTimeInterval(Double(windowSeconds)) <= now {
            minimum += 1
        }
        return minimum
    }

    /// Whether a pass would change anything (a read, for the schedule's look before its transaction):
    /// an L3 version under a version past its window can be moved, or the minimum can rise past the
    /// versions nothing blocks. A window held by an L3 version that cannot be opened writes nothing, pass after pass.
    public func tenantWindowMayClose(_ ring: TenantKeyRing, services: [ServiceKeyRing], defaults: RotationDefaults, now: Date) -> Bool {
        let window = defaults.decryptOnly(ring.rotationPolicy).seconds
        let from = ring.tenantKeys.minimumDecryptionVersion
        let pastWindow = Self.windowMinimum(ring.tenantKeys, windowSeconds: window, now: now, dependedOn: [])
        guard pastWindow > from else { return false }
        var blocked = Set<UInt32>()
        for service in services {
            for version in service.serviceKeys.versions where version.wrapped != nil && !(version.state == .compromised && version.stillOpens != true) {
                guard (from..<pastWindow).contains(version.parentVersion) else { continue }
                // One that opens now moves: progress. One that does not holds its parent.
                if (try? service.serviceKeys.checkUnwrap(version.version)) != nil { return true }
                blocked.insert(version.parentVersion)
            }
        }
        return Self.windowMinimum(ring.tenantKeys, windowSeconds: window, now: now, dependedOn: blocked) > from
    }

    /// Retires the tenant's L2.1 versions past their window: their L3 versions moved to the current
    /// version, then the minimum decryption version raised over them. Returns the old and new minimum
    /// and the L3 versions moved, or nil when nothing moved (or the tenant is locked).
    public func closeTenantKeyWindow(
        _ tenant: TenantID, defaults: RotationDefaults, now: Date
    ) async throws -> (from: UInt32, to: UInt32, rewrapped: Int)? {
        try await tenantTransaction(tenant) {
            try refuseIfLockedInMemory(tenant)
            let before = try await readTenant(tenant)
            guard before.l1UnlinkedAt == nil, before.l1ProviderLock == nil else { return nil }
            let window = defaults.decryptOnly(before.rotationPolicy).seconds
            let from = before.tenantKeys.minimumDecryptionVersion
            let pastWindow = Self.windowMinimum(before.tenantKeys, windowSeconds: window, now: now, dependedOn: [])
            guard pastWindow > from else { return nil }
            var rewrapped = 0
            for version in from..<pastWindow { rewrapped += try await rewrapServiceKeysLocked(tenant, under: version).rewrapped }
            var dependedOn = Set<UInt32>()
            for key in try await storage.list(prefix: ServiceKeyRing.storagePrefix(tenant)) {
                let service = try await readRecord(ServiceKeyRing.self, at: key)
                for version in service.serviceKeys.versions where version.wrapped != nil && !(version.state == .compromised && version.stillOpens != true) {
                    dependedOn.insert(version.parentVersion)
                }
            }
            var ring = try await readTenant(tenant)
            let to = Self.windowMinimum(ring.tenantKeys, windowSeconds: window, now: now, dependedOn: dependedOn)
            guard to > from else { return rewrapped > 0 ? (from, from, rewrapped) : nil }
            try ring.tenantKeys.setMinimumDecryptionVersion(to)
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
            return (from, to, rewrapped)
        }
    }
}
