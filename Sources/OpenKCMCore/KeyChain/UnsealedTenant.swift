import Crypto
import Foundation
import Synchronization

/// What the key chain holds in memory for one tenant.
enum TenantSlot: Sendable {
    /// The tenant's L2 and usable L2.1 keys are in memory.
    case unsealed(UnsealedTenant)
    /// Kill switch: nothing for this tenant opens until it is unlocked.
    case locked(reason: String, cause: LockCause)
}

/// Who locked a tenant, and so who may lift the lock.
public enum LockCause: Sendable, Hashable {
    /// An operator or the API (`lockTenant`); lifted by `unlockTenant`.
    case manual
    /// The L1 link was removed; lifted by relinking.
    case unlinked
    /// The customer's key refused or vanished, or stayed unreachable past the
    /// grace period; lifted when the provider answers "enabled" again.
    case provider
    /// A regional core holds the tenant but the governance plane no longer
    /// lists it for the region (and names no tombstone): kept, not served,
    /// until it is listed again.
    case ungoverned
}

/// Everything in memory, behind one mutex. Loaded services are kept apart
/// from their tenant so the L4 hot path looks one up without copying the
/// tenant; an entry exists only while its tenant is unsealed.
struct KeyChainMemory: Sendable {
    var tenants: [TenantID: TenantSlot] = [:]
    var services: [TenantID: [ServiceID: UnsealedService]] = [:]
    /// Subject secrets read or made so far, by tenant, service and subject
    /// digest; held only while their tenant is unsealed, like loaded services.
    var subjects: [TenantID: [ServiceID: [String: HeldSubjectSecret]]] = [:]
    /// The key that names subjects in the store and the audit log (``SubjectKeys/name(_:tenant:service:key:)``),
    /// once read; dropped at a seal.
    var subjectNameKey: SymmetricKey?
    /// On a shared store (``StoreFreshness``): the generation of each
    /// tenant's scope that memory was last confirmed at, and when.
    var confirmed: [TenantID: StoreFreshness.Reading] = [:]
    /// Tenants whose lock this node is storing right now (an unlink, a
    /// provider lock): following the store does not lift it meanwhile.
    var storingLocks: Set<TenantID> = []
    /// On a regional core: while set, no tenant's keys are used, for this
    /// reason (the governance plane not heard from since the unseal, or for
    /// longer than the grace period). One gate, checked on the data-key path
    /// under this mutex, so no tenant created, relinked or loaded meanwhile
    /// slips past it.
    var regionGate: String?

    /// Drops a tenant's keys and loaded services, leaving any lock in place.
    mutating func evict(_ tenant: TenantID) {
        if case .unsealed = tenants[tenant] { tenants.removeValue(forKey: tenant) }
        dropLoaded(tenant)
    }

    /// Makes the next use of `tenant` ask the store again, keeping the
    /// generation memory was built at (an unchanged one then needs no following).
    mutating func markUnconfirmed(_ tenant: TenantID, bound: Duration) {
        guard let confirmed = confirmed[tenant] else { return }
        self.confirmed[tenant] = StoreFreshness.Reading(generation: confirmed.generation, readAt: .now - bound - .seconds(1))
    }

    /// Drops a tenant's loaded services and subject secrets.
    mutating func dropLoaded(_ tenant: TenantID) {
        services.removeValue(forKey: tenant)
        subjects.removeValue(forKey: tenant)
    }
}

/// A tenant's unwrapped L2 and L2.1 keys, and the services loaded so far.
/// Key bytes live in `SymmetricKey` storage, zeroed when the last copy goes.
struct UnsealedTenant: Sendable {
    var ring: TenantKeyRing
    let root: SymmetricKey
    /// Unwrapped L2.1 versions that may still unwrap.
    var tenantKeys: [UInt32: SymmetricKey]

    init(ring: TenantKeyRing, root: SymmetricKey) throws {
        self.ring = ring
        self.root = root
        self.tenantKeys = [:]
        for entry in ring.tenantKeys.versions {
            guard (try? ring.tenantKeys.checkUnwrap(entry.version)) != nil, let wrapped = entry.wrapped else { continue }
            tenantKeys[entry.version] = try EnvelopeCipher.unwrap(
                WrappedKey(parsing: wrapped),
                expecting: .l2_1,
                binding: KeyChainBindings.tenantKey(ring.tenant, version: entry.version),
                wrappingKey: root
            )
        }
    }

    /// The current L2.1 version and key, for wrapping a new L3 version.
    func wrappingTenantKey() throws(KeyChainError) -> (version: UInt32, key: SymmetricKey) {
        let current = try ring.tenantKeys.wrappingVersion()
        guard let key = tenantKeys[current.version] else {
            throw .versionNotFound(layer: .l2_1, version: current.version)
        }
        return (current.version, key)
    }

    /// The L2.1 key that may open an L3 version wrapped under `version`.
    func unwrappingTenantKey(_ version: UInt32) throws(KeyChainError) -> SymmetricKey {
        try ring.tenantKeys.checkUnwrap(version)
        guard let key = tenantKeys[version] else { throw .versionNotFound(layer: .l2_1, version: version) }
        return key
    }
}

/// A service's L3 versions, unwrapped once when the service is first used.
/// A version that may not open keeps the reason, so the hot path only looks up.
/// Immutable: a change to the service replaces the whole object.
final class UnsealedService: Sendable {
    let ring: ServiceKeyRing
    private let keys: [UInt32: Result<SymmetricKey, any Error>]
    private let wrapping: Result<(version: UInt32, key: SymmetricKey), any Error>
    /// Wraps left in the block this process reserved for the current version.
    private let leasedWraps: Atomic<Int>

    init(ring: ServiceKeyRing, tenant: UnsealedTenant, leasedWraps: Int = 0) {
        self.ring = ring
        self.leasedWraps = Atomic(leasedWraps)
        var keys: [UInt32: Result<SymmetricKey, any Error>] = [:]
        for entry in ring.serviceKeys.versions {
            keys[entry.version] = Result {
                try ring.serviceKeys.checkUnwrap(entry.version)
                guard let wrapped = entry.wrapped else {
                    throw KeyChainError.keyStateForbids(layer: .l3, version: entry.version, state: entry.state, operation: "unwrap")
                }
                let parentKey = try tenant.unwrappingTenantKey(entry.parentVersion)
                let envelope = try WrappedKey(parsing: wrapped)
                guard envelope.header.keyID == tenant.ring.tenantKeys.keyID,
                    envelope.header.keyVersion == entry.parentVersion
                else { throw KeyChainError.foreignKey(layer: .l2_1) }
                return try EnvelopeCipher.unwrap(
                    envelope,
                    expecting: .l3,
                    binding: KeyChainBindings.serviceKey(ring.tenant, ring.service, version: entry.version),
                    wrappingKey: parentKey
                )
            }
        }
        self.keys = keys
        self.wrapping = Result {
            let current = try ring.serviceKeys.wrappingVersion()
            guard let result = keys[current.version] else {
                throw KeyChainError.versionNotFound(layer: .l3, version: current.version)
            }
            return (current.version, try result.get())
        }
    }

    /// The current L3 version and key, if this process still holds a
    /// reserved wrap for it; nil when the lease is used up.
    func wrappingKey() throws -> (version: UInt32, key: SymmetricKey)? {
        let current = try wrapping.get()
        guard leasedWraps.subtract(1, ordering: .relaxed).newValue >= 0 else { return nil }
        return current
    }

    func unwrappingKey(_ version: UInt32) throws -> SymmetricKey {
        guard let result = keys[version] else { throw KeyChainError.versionNotFound(layer: .l3, version: version) }
        return try result.get()
    }
}

/// The associated-data bindings of each layer, in one place.
enum KeyChainBindings {
    /// An L2.1 envelope: bound to its tenant and to its own version, so two
    /// stored versions cannot be swapped.
    static func tenantKey(_ tenant: TenantID, version: UInt32) -> EnvelopeBinding {
        EnvelopeBinding(tenant: tenant.rawValue, context: ownVersion(version))
    }

    /// An L3 envelope: bound to tenant, service and its own version.
    static func serviceKey(_ tenant: TenantID, _ service: ServiceID, version: UInt32) -> EnvelopeBinding {
        EnvelopeBinding(tenant: tenant.rawValue, service: service.rawValue, context: ownVersion(version))
    }

    /// An L4 envelope: bound to tenant, service and the caller's context.
    static func dataKey(_ tenant: TenantID, _ service: ServiceID, context: EncryptionContext) -> EnvelopeBinding {
        EnvelopeBinding(tenant: tenant.rawValue, service: service.rawValue, context: context)
    }

    /// A subject-bound L4 envelope (layer 0x41): as an L4, and the subject appended.
    static func subjectDataKey(_ tenant: TenantID, _ service: ServiceID, subject: SubjectID, context: EncryptionContext) -> EnvelopeBinding {
        EnvelopeBinding(tenant: tenant.rawValue, service: service.rawValue, context: context, subject: subject.rawValue)
    }

    private static func ownVersion(_ version: UInt32) -> EncryptionContext {
        EncryptionContext(trustedPairs: [(key: "key-version", value: String(version))])
    }
}
