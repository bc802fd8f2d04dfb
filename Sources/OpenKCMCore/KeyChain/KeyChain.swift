public import Crypto
public import Foundation
import Synchronization

/// The tenant key chain L2 -> L2.1 -> L3 -> L4 over sealed storage and the
/// L1 keystores.
///
/// Stored records are the source of truth; memory holds unwrapped L2, L2.1 and
/// L3 keys of the tenants in use. Changes to one tenant are serialised, written,
/// then reflected in memory. L4 operations take the lock-free-of-I/O fast path
/// once a service is loaded: one dictionary lookup under a mutex, then AES-GCM.
public final class KeyChain: Sendable {
    let storage: SealedStorage
    let keystores: any KeystoreResolver
    var keystoreResolver: any KeystoreResolver { keystores }
    let now: @Sendable () -> Date
    private let nonceLimits: NonceLimits
    /// How long an unreachable L1 (network fault, not a disable) is tolerated before the tenant locks.
    public let l1GracePeriod: Duration
    let unreachableSince = Mutex<[TenantID: ContinuousClock.Instant]>([:])
    let tenantLocks = KeyedAsyncLock<TenantID>()
    /// Serialises making the store's subject name key (one key, one lock).
    let subjectNameLock = KeyedAsyncLock<String>()
    let memory = Mutex(KeyChainMemory())
    let broadcast = KeyChainEventBroadcast()
    /// Told of every L3 rotation the data-key path makes (``ServiceKeyBudgetRotation``).
    let budgetRotationObserver = Mutex<(@Sendable (ServiceKeyBudgetRotation) -> Void)?>(nil)
    /// How long a subject secret held in memory is trusted before it is read
    /// again (another process sharing the store may have destroyed it).
    public let subjectFreshness: Duration
    /// Counts subject destructions in this process (twice each: before the
    /// write and after memory lets go), so a subject wrap that raced one
    /// checks the store before handing out its blob.
    let subjectDestructions = Atomic<UInt64>(0)
    /// Set when other nodes write the same store: memory of a tenant is then
    /// served only while confirmed current within the freshness bound.
    let freshness: StoreFreshness?
    /// Bumped by every announcement of another writer's change, so a
    /// confirmation that raced one is not kept.
    let announcements = Atomic<UInt64>(0)

    /// The region this key chain serves (a `--plane crypto` core), bound into
    /// every L1 call's context; nil on a server serving every region.
    public let region: RegionID?
    /// Services this region's core does not hold because the governance plane
    /// placed them in another region, so a request for one is refused as
    /// ``KeyChainError/serviceInOtherRegion(_:_:region:)`` rather than as unknown.
    let servicesElsewhere = Mutex<[TenantID: [ServiceID: RegionID]]>([:])

    /// Every lock, unlock and destruction from now on, as it happens in this process.
    public func events() -> AsyncStream<KeyChainEvent> {
        broadcast.subscribe()
    }

    /// Tells listeners that another node destroyed a subject of this service;
    /// its digest is not known here (the store names subjects by a keyed name),
    /// so the event carries none and listeners drop everything they cached.
    package func announceSubjectDestroyed(tenant: TenantID, service: ServiceID) {
        broadcast.emit(.subjectDestroyed(tenant, service, digest: ""))
    }

    /// Tells listeners that one L4 was revoked (the server keeps the list of revoked blobs).
    public func announceDataKeyRevoked(tenant: TenantID, service: ServiceID, digest: String) {
        broadcast.emit(.dataKeyRevoked(tenant, service, digest: digest))
    }

    /// - Parameters:
    ///   - storage: the unsealed barrier the key chain persists through.
    ///   - keystores: resolves each tenant's L1 reference.
    ///   - freshness: for a store other nodes write too; nil when this process is its only writer.
    ///   - clock: the time stamped on new versions.
    public init(
        storage: SealedStorage,
        keystores: any KeystoreResolver,
        nonceLimits: NonceLimits = NonceLimits(),
        l1GracePeriod: Duration = .seconds(60),
        subjectFreshness: Duration = .seconds(5),
        freshness: StoreFreshness? = nil,
        region: RegionID? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.region = region
        self.freshness = freshness
        self.subjectFreshness = subjectFreshness
        self.storage = storage
        self.keystores = keystores
        self.nonceLimits = nonceLimits
        self.l1GracePeriod = l1GracePeriod
        self.now = clock
        if region != nil { memory.withLock { $0.regionGate = Self.notYetGoverned } }
    }

    // MARK: Tenants

    /// Creates a tenant: a random L2 wrapped by `l1`, and L2.1 version 1 wrapped by the L2.
    @discardableResult
    public func createTenant(_ tenant: TenantID, l1: KeystoreReference) async throws -> TenantKeyRing {
        try await tenantTransaction(tenant) {
            guard try await storage.get(TenantKeyRing.storageKey(tenant)) == nil else {
                throw KeyChainError.tenantAlreadyExists(tenant)
            }
            let keystore = try keystores.keystore(for: l1)
            let root = SymmetricKey(size: .bits256)
            let l1Version = await l1VersionToNote(keystore)
            let wrappedRoot = try await keystore.wrap(root, context: rootContext(tenant))
            let rootKeyID = KeyID()
            let firstKey = SymmetricKey(size: .bits256)
            let wrappedFirst = try EnvelopeCipher.wrap(
                firstKey,
                header: EnvelopeHeader(layer: .l2_1, keyID: rootKeyID, keyVersion: 1),
                binding: KeyChainBindings.tenantKey(tenant, version: 1),
                wrappingKey: root
            )
            let date = now()
            var ring = TenantKeyRing(
                tenant: tenant,
                l1: l1,
                l1UnlinkedAt: nil,
                rootKeyID: rootKeyID,
                rootVersion: 1,
                wrappedRoot: wrappedRoot,
                tenantKeys: KeyRing(layer: .l2_1, keyID: KeyID(), firstVersion: Data(wrappedFirst), parentVersion: 1, at: date),
                createdAt: date
            )
            ring.l1Version = l1Version
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            let unsealed = try UnsealedTenant(ring: ring, root: root)
            // A lock that landed while the L1 call was in flight wins.
            try memory.withLock { memory throws(KeyChainError) in
                if case .locked(let reason, _) = memory.tenants[tenant] { throw .tenantLocked(tenant, reason: reason) }
                memory.tenants[tenant] = .unsealed(unsealed)
                memory.dropLoaded(tenant)
            }
            return ring
        }
    }

    /// The stored state of a tenant (no key material).
    public func tenantKeyRing(_ tenant: TenantID) async throws -> TenantKeyRing {
        try await readTenant(tenant)
    }

    /// Every tenant id, sorted.
    public func tenants() async throws -> [TenantID] {
        let prefix = "tenants/"
        return try await storage.list(prefix: prefix).compactMap { try? TenantID(String($0.dropFirst(prefix.count))) }
    }

    /// Crypto-shreds a tenant: deletes its wrapped L2, L2.1 and L3 records in
    /// one atomic write and drops its keys from memory. Nothing it protected
    /// can be opened afterwards.
    public func destroyTenant(_ tenant: TenantID) async throws {
        try await tenantTransaction(tenant) {
            _ = try await readTenant(tenant)
            // Subject secrets and tombstones go with the tenant: a tenant created later under the same id starts clean.
            let records = try await storage.list(prefix: ServiceKeyRing.storagePrefix(tenant))
                + storage.list(prefix: SubjectKeys.secretPrefix(tenant))
                + storage.list(prefix: SubjectKeys.tombstonePrefix(tenant))
                + storage.list(prefix: RewrapJob.storagePrefix(tenant))
                + storage.list(prefix: RewrapJob.dataPrefix(tenant))
            let deletes = records.map { StorageMutation.delete(key: $0) } + [.delete(key: TenantKeyRing.storageKey(tenant))]
            try await storage.write(deletes)
            memory.withLock { memory in
                memory.tenants.removeValue(forKey: tenant)
                memory.dropLoaded(tenant)
            }
            broadcast.emit(.tenantDestroyed(tenant))
            try await storage.backend.purgeDeleted()
        }
    }

    /// The kill switch in the governance plane: records that the tenant's L1
    /// link is gone and drops its keys from memory at once. Every operation on
    /// the tenant is refused, here and after a restart, until ``linkL1(_:to:)``.
    public func unlinkL1(_ tenant: TenantID) async throws {
        lockTenant(tenant, reason: Self.unlinkedReason, cause: .unlinked)
        // Not lifted by following the store while it is being stored (the store does not say it yet).
        memory.withLock { _ = $0.storingLocks.insert(tenant) }
        defer { memory.withLock { _ = $0.storingLocks.remove(tenant) } }
        try await tenantTransaction(tenant) {
            var ring = try await readTenant(tenant)
            if ring.l1UnlinkedAt == nil { ring.l1UnlinkedAt = now() }
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            lockTenant(tenant, reason: Self.unlinkedReason, cause: .unlinked)
        }
    }

    /// Links the tenant to an L1. The same reference after an unlink restores
    /// access (the L1 must still unwrap the L2); a new reference rewraps the
    /// L2 under it (the customer rotated their L1), leaving L2.1 and below untouched.
    public func linkL1(_ tenant: TenantID, to l1: KeystoreReference) async throws {
        try await tenantTransaction(tenant) {
            var ring = try await readTenant(tenant)
            let context = rootContext(tenant)
            let root = try await keystores.keystore(for: ring.l1).unwrap(ring.wrappedRoot, context: context)
            if l1 != ring.l1 {
                let keystore = try keystores.keystore(for: l1)
                ring.l1Version = await l1VersionToNote(keystore)
                ring.wrappedRoot = try await keystore.wrap(root, context: context)
                ring.l1 = l1
            }
            ring.l1UnlinkedAt = nil
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            memory.withLock { memory in
                memory.tenants.removeValue(forKey: tenant)
                memory.dropLoaded(tenant)
            }
        }
    }

    /// Wraps the L2 again under the same L1, after the customer rotated it at
    /// the provider (a new transit key version, a new Azure key version): new
    /// material protects the L2 from now on, and nothing below the L2 changes.
    /// Refused while the tenant is unlinked or locked.
    public func rewrapRoot(_ tenant: TenantID) async throws {
        try await tenantTransaction(tenant) {
            var ring = try await readTenant(tenant)
            if ring.l1UnlinkedAt != nil { throw KeyChainError.tenantLocked(tenant, reason: Self.unlinkedReason) }
            try refuseIfLocked(ring)
            let lock = memory.withLock { memory -> String? in
                if case .locked(let reason, _) = memory.tenants[tenant] { reason } else { nil }
            }
            if let lock { throw KeyChainError.tenantLocked(tenant, reason: lock) }
            let context = rootContext(tenant)
            let keystore = try keystores.keystore(for: ring.l1)
            let root = try await keystore.unwrap(ring.wrappedRoot, context: context)
            let version = await l1VersionToNote(keystore)
            let rewrapped = try await keystore.wrap(root, context: context)
            // The new blob replaces the only wrapped L2: it must open to the same key first (a provider
            // replica behind its own rotation would otherwise leave the tenant unreachable).
            guard try await keystore.unwrap(rewrapped, context: context) == root else {
                throw KeystoreError.badCiphertext(ring.l1)
            }
            ring.wrappedRoot = rewrapped
            ring.l1Version = version
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
        }
    }

    public static let unlinkedReason = "its L1 link was removed"

    /// Adds an L2.1 version wrapped by the L2 and makes it current; returns its number.
    @discardableResult
    public func rotateTenantKey(_ tenant: TenantID) async throws -> UInt32 {
        try await tenantTransaction(tenant) { try await rotateTenantKeyLocked(tenant) }
    }

    func rotateTenantKeyLocked(_ tenant: TenantID) async throws -> UInt32 {
        var ring = try await readTenant(tenant)
        let unsealed = try await unsealTenantLocked(tenant)
        let number = ring.tenantKeys.nextVersion
        let wrapped = try EnvelopeCipher.wrap(
            SymmetricKey(size: .bits256),
            header: EnvelopeHeader(layer: .l2_1, keyID: ring.rootKeyID, keyVersion: ring.rootVersion),
            binding: KeyChainBindings.tenantKey(tenant, version: number),
            wrappingKey: unsealed.root
        )
        ring.tenantKeys.rotate(wrapped: Data(wrapped), parentVersion: ring.rootVersion, at: now())
        try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
        try reflect(ring)
        return number
    }

    /// Makes an earlier active L2.1 version current again; new L3 versions are wrapped by it.
    public func rollbackTenantKey(_ tenant: TenantID, to version: UInt32) async throws {
        try await updateTenant(tenant) { ring throws(KeyChainError) in try ring.tenantKeys.rollback(to: version) }
    }

    /// Refuses every L2.1 version below `version`, and so every L3 version they wrap.
    public func setTenantMinimumDecryptionVersion(_ tenant: TenantID, _ version: UInt32) async throws {
        try await updateTenant(tenant) { ring throws(KeyChainError) in try ring.tenantKeys.setMinimumDecryptionVersion(version) }
    }

    /// Moves one L2.1 version to `state` (KMIP transitions); destroying deletes
    /// its wrapped bytes. Compromising the current version first rotates, so a
    /// suspect key stops wrapping at once.
    public func transitionTenantKey(_ tenant: TenantID, version: UInt32, to state: KeyState) async throws {
        try await tenantTransaction(tenant) {
            let current = try await readTenant(tenant)
            try refuseIfLocked(current)
            if state == .compromised, current.tenantKeys.currentVersion == version {
                _ = try await rotateTenantKeyLocked(tenant)
            }
            var ring = try await readTenant(tenant)
            try ring.tenantKeys.transition(version, to: state)
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
        }
        if state.isDestroyed { try await storage.backend.purgeDeleted() }
    }

    /// Re-encrypts every L3 version of the tenant under the current L2.1
    /// version, so older L2.1 versions can then be retired without losing data.
    /// L3 versions that can no longer be opened are left as they are.
    /// - Returns: how many L3 versions were rewrapped, and how many could not be.
    public func rewrapServiceKeys(_ tenant: TenantID) async throws -> (rewrapped: Int, skipped: Int) {
        try await tenantTransaction(tenant) { try await rewrapServiceKeysLocked(tenant, under: nil) }
    }

    /// ``rewrapServiceKeys(_:)`` inside the tenant's transaction; with `under`, only the L3 versions that L2.1 version wraps.
    func rewrapServiceKeysLocked(_ tenant: TenantID, under parent: UInt32?) async throws -> (rewrapped: Int, skipped: Int) {
        do {
            let unsealed = try await unsealTenantLocked(tenant)
            let (currentVersion, currentKey) = try unsealed.wrappingTenantKey()
            var rewrapped = 0
            var skipped = 0
            var writes: [StorageMutation] = []
            for key in try await storage.list(prefix: ServiceKeyRing.storagePrefix(tenant)) {
                var ring = try await readRecord(ServiceKeyRing.self, at: key)
                let before = ring
                let loaded = UnsealedService(ring: ring, tenant: unsealed)
                for entry in ring.serviceKeys.versions
                where entry.wrapped != nil && entry.parentVersion != currentVersion && (parent == nil || entry.parentVersion == parent) {
                    guard let l3 = try? loaded.unwrappingKey(entry.version) else {
                        skipped += 1
                        continue
                    }
                    let wrapped = try EnvelopeCipher.wrap(
                        l3,
                        header: EnvelopeHeader(layer: .l3, keyID: unsealed.ring.tenantKeys.keyID, keyVersion: currentVersion),
                        binding: KeyChainBindings.serviceKey(tenant, ring.service, version: entry.version),
                        wrappingKey: currentKey
                    )
                    ring.serviceKeys.replaceWrapped(entry.version, with: Data(wrapped), parentVersion: currentVersion)
                    rewrapped += 1
                }
                if ring != before { writes.append(.put(key: key, value: try RecordCoder.encode(ring))) }
            }
            try await storage.write(writes)
            try reflect(unsealed.ring)
            return (rewrapped, skipped)
        }
    }

    // MARK: Services

    /// Creates a service's L3, version 1 wrapped by the tenant's current L2.1 version.
    @discardableResult
    public func createService(_ service: ServiceID, tenant: TenantID) async throws -> ServiceKeyRing {
        try await tenantTransaction(tenant) {
            let unsealed = try await unsealTenantLocked(tenant)
            let key = ServiceKeyRing.storageKey(tenant, service)
            guard try await storage.get(key) == nil else { throw KeyChainError.serviceAlreadyExists(tenant, service) }
            let (parentVersion, parentKey) = try unsealed.wrappingTenantKey()
            let wrapped = try EnvelopeCipher.wrap(
                SymmetricKey(size: .bits256),
                header: EnvelopeHeader(layer: .l3, keyID: unsealed.ring.tenantKeys.keyID, keyVersion: parentVersion),
                binding: KeyChainBindings.serviceKey(tenant, service, version: 1),
                wrappingKey: parentKey
            )
            let date = now()
            let ring = ServiceKeyRing(
                tenant: tenant,
                service: service,
                serviceKeys: KeyRing(layer: .l3, keyID: KeyID(), firstVersion: Data(wrapped), parentVersion: parentVersion, at: date),
                createdAt: date
            )
            try await storage.put(key, value: RecordCoder.encode(ring))
            forgetService(tenant, service)
            return ring
        }
    }

    public func serviceKeyRing(_ service: ServiceID, tenant: TenantID) async throws -> ServiceKeyRing {
        try await readService(tenant, service)
    }

    /// Every service of a tenant, sorted.
    public func services(of tenant: TenantID) async throws -> [ServiceID] {
        let prefix = ServiceKeyRing.storagePrefix(tenant)
        return try await storage.list(prefix: prefix).compactMap { try? ServiceID(String($0.dropFirst(prefix.count))) }
    }

    /// Adds an L3 version wrapped by the tenant's current L2.1 version and makes it current.
    @discardableResult
    public func rotateServiceKey(_ service: ServiceID, tenant: TenantID) async throws -> UInt32 {
        try await tenantTransaction(tenant) { try await rotateServiceKeyLocked(service, tenant: tenant) }
    }

    func rotateServiceKeyLocked(_ service: ServiceID, tenant: TenantID) async throws -> UInt32 {
        let unsealed = try await unsealTenantLocked(tenant)
        var ring = try await readService(tenant, service)
        let (parentVersion, parentKey) = try unsealed.wrappingTenantKey()
        let number = ring.serviceKeys.nextVersion
        let wrapped = try EnvelopeCipher.wrap(
            SymmetricKey(size: .bits256),
            header: EnvelopeHeader(layer: .l3, keyID: unsealed.ring.tenantKeys.keyID, keyVersion: parentVersion),
            binding: KeyChainBindings.serviceKey(tenant, service, version: number),
            wrappingKey: parentKey
        )
        ring.serviceKeys.rotate(wrapped: Data(wrapped), parentVersion: parentVersion, at: now())
        try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
        forgetService(tenant, service)
        return number
    }

    public func rollbackServiceKey(_ service: ServiceID, tenant: TenantID, to version: UInt32) async throws {
        try await updateService(tenant, service) { ring throws(KeyChainError) in try ring.serviceKeys.rollback(to: version) }
    }

    public func setServiceMinimumDecryptionVersion(_ service: ServiceID, tenant: TenantID, _ version: UInt32) async throws {
        try await updateService(tenant, service) { ring throws(KeyChainError) in
            try ring.serviceKeys.setMinimumDecryptionVersion(version)
        }
    }

    /// Moves one L3 version to `state`; compromising the current version first rotates.
    public func transitionServiceKey(_ service: ServiceID, tenant: TenantID, version: UInt32, to state: KeyState) async throws {
        try await tenantTransaction(tenant) {
            try refuseIfLocked(try await readTenant(tenant))
            if state == .compromised, try await readService(tenant, service).serviceKeys.currentVersion == version {
                _ = try await rotateServiceKeyLocked(service, tenant: tenant)
            }
            var ring = try await readService(tenant, service)
            try ring.serviceKeys.transition(version, to: state)
            try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
            forgetService(tenant, service)
        }
        if state.isDestroyed { try await storage.backend.purgeDeleted() }
    }

    /// Retires a service: every version becomes Deactivated, so existing L4s
    /// still unwrap but nothing new is wrapped.
    public func deactivateService(_ service: ServiceID, tenant: TenantID) async throws {
        try await updateService(tenant, service) { ring throws(KeyChainError) in ring.serviceKeys.deactivateAll() }
        broadcast.emit(.serviceDeactivated(tenant, service))
    }

    /// Crypto-shreds a service: deletes its wrapped L3 versions. Every L4 they wrapped is unrecoverable.
    public func destroyService(_ service: ServiceID, tenant: TenantID) async throws {
        try await tenantTransaction(tenant) {
            try refuseIfLocked(try await readTenant(tenant))
            _ = try await readService(tenant, service)
            // The service's subject secrets and tombstones go with it, in the same write.
            // Its rewrap jobs go too: their data keys were wrapped by the service's L3, now shredded.
            let subjects = try await storage.list(prefix: "\(SubjectKeys.secretPrefix(tenant))\(service.rawValue)/")
                + storage.list(prefix: "\(SubjectKeys.tombstonePrefix(tenant))\(service.rawValue)/")
                + storage.list(prefix: RewrapJob.storagePrefix(tenant, service))
                + storage.list(prefix: RewrapJob.dataPrefix(tenant, service))
            try await storage.write(subjects.map { .delete(key: $0) } + [.delete(key: ServiceKeyRing.storageKey(tenant, service))])
            forgetService(tenant, service)
            broadcast.emit(.serviceDestroyed(tenant, service))
            try await storage.backend.purgeDeleted()
        }
    }

    // MARK: Data keys (L4)

    /// Makes a random 256-bit L4 and wraps it under the service's current L3
    /// version, or, with a `subject`, under that L3 version and the subject's secret.
    public func generateDataKey(
        tenant: TenantID, service: ServiceID, context: EncryptionContext = .empty, subject: SubjectID? = nil
    ) async throws -> DataKey {
        let key = SystemRandom.symmetricKey()
        if let subject {
            let (wrapped, version) = try await wrapForSubject(key, tenant: tenant, service: service, context: context, subject: subject)
            return DataKey(key: key, wrapped: wrapped, serviceKeyVersion: version)
        }
        let (loaded, version, l3) = try await serviceWrappingKey(tenant, service)
        let wrapped = try EnvelopeCipher.wrap(
            key,
            header: EnvelopeHeader(layer: .l4, keyID: loaded.ring.serviceKeys.keyID, keyVersion: version),
            binding: KeyChainBindings.dataKey(tenant, service, context: context),
            wrappingKey: l3
        )
        return DataKey(key: key, wrapped: Data(wrapped), serviceKeyVersion: version)
    }

    /// Wraps a caller-made 256-bit L4 (made at the edge) under the service's
    /// current L3 version, or, with a `subject`, under it and the subject's secret.
    public func wrapDataKey(
        _ key: SymmetricKey, tenant: TenantID, service: ServiceID, context: EncryptionContext = .empty, subject: SubjectID? = nil
    ) async throws -> Data {
        guard key.bitCount == 256 else { throw EnvelopeError.invalidKeyLength(length: key.bitCount / 8, expected: 32) }
        if let subject {
            return try await wrapForSubject(key, tenant: tenant, service: service, context: context, subject: subject).wrapped
        }
        let (loaded, version, l3) = try await serviceWrappingKey(tenant, service)
        return Data(try EnvelopeCipher.wrap(
            key,
            header: EnvelopeHeader(layer: .l4, keyID: loaded.ring.serviceKeys.keyID, keyVersion: version),
            binding: KeyChainBindings.dataKey(tenant, service, context: context),
            wrappingKey: l3
        ))
    }

    /// Wraps many edge-made L4s (a gateway's batch) with one lookup of the
    /// service's L3 and no suspension between items, in order. Each item
    /// ends on its own (a key of the wrong size fails alone); what stops the
    /// service (a locked tenant, a missing service) throws for all of them.
    public func wrapDataKeys(
        _ items: [(key: SymmetricKey, context: EncryptionContext)], tenant: TenantID, service: ServiceID
    ) async throws -> [Result<[UInt8], EnvelopeError>] {
        var results: [Result<[UInt8], EnvelopeError>] = []
        results.reserveCapacity(items.count)
        var current: (loaded: UnsealedService, version: UInt32, key: SymmetricKey)?
        // One draw from the kernel for the whole batch's nonces, instead of two per item.
        let nonces = SystemRandom.nonces(items.count)
        for (item, nonce) in zip(items, nonces) {
            guard item.key.bitCount == 256 else {
                results.append(.failure(.invalidKeyLength(length: item.key.bitCount / 8, expected: 32)))
                continue
            }
            // Every wrap is counted against the L3 version's nonce budget, as a single wrap is.
            if let loaded = current?.loaded, let (version, key) = try loaded.wrappingKey() {
                current = (loaded, version, key)
            } else {
                current = try await serviceWrappingKey(tenant, service)
            }
            guard let (loaded, version, l3) = current else { continue }
            results.append(Result { () throws(EnvelopeError) in
                try EnvelopeCipher.wrap(
                    item.key,
                    header: EnvelopeHeader(layer: .l4, keyID: loaded.ring.serviceKeys.keyID, keyVersion: version),
                    binding: KeyChainBindings.dataKey(tenant, service, context: item.context),
                    wrappingKey: l3,
                    freshNonce: nonce)
            })
        }
        // A seal or a lock that landed while the batch ran stops it as it stops a single wrap:
        // no blob wrapped after it is handed out.
        guard !storage.isSealed else { throw BarrierError.sealed }
        try refuseIfLockedInMemory(tenant)
        return results
    }

    /// Opens an L4 blob. It must have been wrapped for this tenant, service
    /// and context, and for `subject` if it is subject-bound (and only then).
    public func unwrapDataKey(
        _ blob: Data, tenant: TenantID, service: ServiceID, context: EncryptionContext = .empty, subject: SubjectID? = nil
    ) async throws -> SymmetricKey {
        let envelope = try WrappedKey(parsing: blob)
        // The blob says whether it needs a subject, so a missing or extra one is named before any crypto.
        switch (envelope.header.layer, subject) {
        case (.l4Subject, let subject?):
            return try await unwrapForSubject(envelope, tenant: tenant, service: service, context: context, subject: subject)
        case (.l4Subject, nil): throw KeyChainError.subjectRequired
        case (.l4, _?): throw KeyChainError.notSubjectBound
        default: break
        }
        guard envelope.header.layer == .l4 else { throw EnvelopeError.wrongLayer(expected: .l4, found: envelope.header.layer) }
        let loaded = try await unsealedService(tenant, service)
        guard envelope.header.keyID == loaded.ring.serviceKeys.keyID else { throw KeyChainError.foreignKey(layer: .l3) }
        let l3 = try loaded.unwrappingKey(envelope.header.keyVersion)
        return try EnvelopeCipher.unwrap(
            envelope, expecting: .l4, binding: KeyChainBindings.dataKey(tenant, service, context: context), wrappingKey: l3)
    }

    /// Opens an L4 blob and wraps it again under the current L3 version (and
    /// the same subject, for a subject-bound blob).
    public func rewrapDataKey(
        _ blob: Data, tenant: TenantID, service: ServiceID, context: EncryptionContext = .empty, subject: SubjectID? = nil
    ) async throws -> Data {
        let key = try await unwrapDataKey(blob, tenant: tenant, service: service, context: context, subject: subject)
        return try await wrapDataKey(key, tenant: tenant, service: service, context: context, subject: subject)
    }

    // MARK: Memory and the kill switch

    /// Locks a tenant: drops its keys from memory and refuses every operation
    /// on it, naming `reason`, until ``unlockTenant(_:)``.
    public func lockTenant(_ tenant: TenantID, reason: String, cause: LockCause = .manual) {
        memory.withLock { memory in
            memory.tenants[tenant] = .locked(reason: reason, cause: cause)
            memory.dropLoaded(tenant)
        }
        broadcast.emit(.tenantLocked(tenant, cause: cause))
    }

    /// Lifts a lock (of any cause, or only of `cause`); the next operation
    /// unwraps the L2 through the L1 again.
    @discardableResult
    public func unlockTenant(_ tenant: TenantID, cause: LockCause? = nil) -> Bool {
        let unlocked = memory.withLock { memory in
            guard case .locked(_, let current) = memory.tenants[tenant], cause == nil || cause == current else { return false }
            memory.tenants.removeValue(forKey: tenant)
            return true
        }
        if unlocked { broadcast.emit(.tenantUnlocked(tenant)) }
        return unlocked
    }

    /// Why a tenant is locked, if it is.
    public func lockCause(_ tenant: TenantID) -> LockCause? {
        memory.withLock { if case .locked(_, let cause) = $0.tenants[tenant] { cause } else { nil } }
    }

    /// Drops a tenant's keys from memory without locking it (eviction).
    public func evictTenant(_ tenant: TenantID) {
        memory.withLock { $0.evict(tenant) }
    }

    /// Drops every tenant's keys (the server is sealing). Locks are kept.
    public func evictAll() {
        memory.withLock { memory in
            for tenant in Array(memory.tenants.keys) { memory.evict(tenant) }
            memory.services.removeAll()
            memory.subjects.removeAll()
            memory.subjectNameKey = nil
            memory.confirmed.removeAll()
        }
    }

    /// Whether a tenant's keys are in memory now.
    public func isUnsealed(_ tenant: TenantID) -> Bool {
        memory.withLock { if case .unsealed = $0.tenants[tenant] { true } else { false } }
    }

    // MARK: Regions

    /// Why a regional core's gate is closed from its unseal until it has
    /// applied what the governance plane says: a core that restarts during a
    /// partition serves nothing it has not been told it may.
    public static let notYetGoverned = "this regional core has not heard from the governance plane since it was unsealed"

    /// Stops every use of every tenant's keys (a regional core lost the
    /// governance plane for its grace period), naming `reason`, until ``openRegionGate()``.
    public func closeRegionGate(reason: String) {
        memory.withLock { $0.regionGate = reason }
    }

    /// Lets tenants' keys be used again (each tenant's own locks still hold).
    public func openRegionGate() {
        memory.withLock { $0.regionGate = nil }
    }

    /// Why the region gate is closed, or nil while it is open.
    public var regionGateReason: String? {
        memory.withLock { $0.regionGate }
    }

    /// Where the governance plane placed the services this core does not
    /// hold (replaces what was known before).
    public func setServicesElsewhere(_ services: [TenantID: [ServiceID: RegionID]]) {
        servicesElsewhere.withLock { $0 = services }
    }

    /// The L1 context of a tenant's L2: its tenant and, on a regional core,
    /// its region, so each region's L2 is its own at the customer's KMS.
    func rootContext(_ tenant: TenantID) -> KeystoreContext {
        KeystoreContext(tenant: tenant.rawValue, purpose: .l2, region: region?.rawValue ?? "")
    }

    // MARK: Internals

    /// The current L3 version and key for one more wrap. Random 96-bit GCM
    /// nonces are safe for 2^32 seals per key (NIST SP 800-38D 8.3), so every
    /// wrap is counted against a block reserved in the service record; when a
    /// version has used ``NonceLimits/wrapsPerVersion`` the L3 rotates by itself.
    func serviceWrappingKey(
        _ tenant: TenantID, _ service: ServiceID
    ) async throws -> (UnsealedService, UInt32, SymmetricKey) {
        while true {
            let loaded = try await unsealedService(tenant, service)
            if let (version, key) = try loaded.wrappingKey() { return (loaded, version, key) }
            try await reserveWraps(tenant, service, exhausted: loaded)
        }
    }

    /// Reserves the next block of wraps for the current L3 version, rotating
    /// the L3 first when the version's budget is spent.
    private func reserveWraps(_ tenant: TenantID, _ service: ServiceID, exhausted: UnsealedService) async throws {
        let rotation: ServiceKeyBudgetRotation? = try await tenantTransaction(tenant) {
            // Another caller may have reserved already.
            if let cached = try cachedService(tenant, service), cached !== exhausted { return nil }
            let unsealed = try await unsealTenantLocked(tenant)
            var ring = try await readService(tenant, service)
            let current = try ring.serviceKeys.wrappingVersion()
            // The budget: the nonce limit, or less when the service's (else the tenant's) policy says so.
            let policyLimit = ring.rotationPolicy?.maximumWraps ?? unsealed.ring.rotationPolicy?.maximumWraps
            let budget = min(nonceLimits.wrapsPerVersion, policyLimit ?? .max)
            var rotation: ServiceKeyBudgetRotation?
            if (current.reservedWraps ?? 0) + nonceLimits.wrapsPerLease > budget {
                let to = try await rotateServiceKeyLocked(service, tenant: tenant)
                rotation = ServiceKeyBudgetRotation(tenant: tenant, service: service, from: current.version, to: to, budget: budget,
                                                    byPolicy: policyLimit.map { $0 < nonceLimits.wrapsPerVersion } ?? false)
                ring = try await readService(tenant, service)
            }
            ring.serviceKeys.reserveWraps(nonceLimits.wrapsPerLease, version: ring.serviceKeys.currentVersion)
            try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
            let loaded = UnsealedService(ring: ring, tenant: unsealed, leasedWraps: Int(nonceLimits.wrapsPerLease))
            try memory.withLock { memory throws(KeyChainError) in
                switch memory.tenants[tenant] {
                case .unsealed: memory.services[tenant, default: [:]][service] = loaded
                case .locked(let reason, _): throw .tenantLocked(tenant, reason: reason)
                case nil: break
                }
            }
            return rotation
        }
        // Told once the rotation is committed.
        if let rotation, let observer = budgetRotationObserver.withLock({ $0 }) { observer(rotation) }
    }

    /// Hands every L3 rotation the data-key path makes (a version's wrap
    /// budget spent) to `observer`, after it is committed; replaces the
    /// observer set before. The server audits them with it.
    public func observeBudgetRotations(_ observer: @escaping @Sendable (ServiceKeyBudgetRotation) -> Void) {
        budgetRotationObserver.withLock { $0 = observer }
    }

    /// The loaded service, from memory or loaded under the tenant's lock.
    func unsealedService(_ tenant: TenantID, _ service: ServiceID) async throws -> UnsealedService {
        // Sealing stops data-key operations at once, even for keys already in memory.
        guard !storage.isSealed else { throw BarrierError.sealed }
        if let loaded = try cachedService(tenant, service) { return loaded }
        // On a shared store the generation is asked before the tenant's lock is waited for: unchanged, memory
        // serves at once; unreachable, the request is refused within half the bound.
        if freshness != nil, try await confirmUnchanged(tenant), let loaded = try cachedService(tenant, service) { return loaded }
        return try await tenantTransaction(tenant) {
            if let loaded = try cachedService(tenant, service) { return loaded }
            let unsealed = try await unsealTenantLocked(tenant)
            let loaded = UnsealedService(ring: try await readService(tenant, service), tenant: unsealed)
            try memory.withLock { memory throws(KeyChainError) in
                switch memory.tenants[tenant] {
                case .unsealed: memory.services[tenant, default: [:]][service] = loaded
                case .locked(let reason, _): throw .tenantLocked(tenant, reason: reason)
                case nil: break
                }
            }
            return loaded
        }
    }

    /// The hot path: one lookup under the mutex, no copies of tenant state.
    func cachedService(_ tenant: TenantID, _ service: ServiceID) throws(KeyChainError) -> UnsealedService? {
        let now: ContinuousClock.Instant? = freshness == nil ? nil : .now
        return try memory.withLock { memory throws(KeyChainError) -> UnsealedService? in
            if let gate = memory.regionGate { throw .tenantLocked(tenant, reason: gate) }
            // On a shared store, nothing (not even a lock) is taken from memory past the bound without asking.
            if let now, let freshness {
                guard let confirmed = memory.confirmed[tenant], now - confirmed.readAt < freshness.bound else { return nil }
            }
            if let loaded = memory.services[tenant]?[service] { return loaded }
            if case .locked(let reason, _) = memory.tenants[tenant] { throw .tenantLocked(tenant, reason: reason) }
            return nil
        }
    }

    /// The tenant's unwrapped keys; unwraps the L2 through its L1 when absent.
    /// Call only while holding the tenant's lock.
    func unsealTenantLocked(_ tenant: TenantID) async throws -> UnsealedTenant {
        let existing = try memory.withLock { memory throws(KeyChainError) -> UnsealedTenant? in
            switch memory.tenants[tenant] {
            case .unsealed(let unsealed): return unsealed
            case .locked(let reason, _): throw .tenantLocked(tenant, reason: reason)
            case nil: return nil
            }
        }
        if let existing {
            // Another node on the same store may have changed the tenant (a rotation, a new minimum): what a
            // change builds on is the stored record, so memory follows it when it moved.
            let stored: TenantKeyRing
            do {
                stored = try await readTenant(tenant)
            } catch KeyChainError.tenantNotFound(let gone) {
                // Destroyed on another node: its keys leave memory here too.
                memory.withLock { $0.evict(tenant) }
                throw KeyChainError.tenantNotFound(gone)
            }
            if stored == existing.ring { return existing }
            if stored.l1 == existing.ring.l1, stored.wrappedRoot == existing.ring.wrappedRoot, stored.l1UnlinkedAt == nil {
                let rebuilt = try UnsealedTenant(ring: stored, root: existing.root)
                memory.withLock { memory in
                    guard case .unsealed = memory.tenants[tenant] else { return }
                    memory.tenants[tenant] = .unsealed(rebuilt)
                    memory.dropLoaded(tenant)
                }
                return rebuilt
            }
            // Unlinked or linked elsewhere: the keys go, and the tenant is opened again from the record below.
            memory.withLock { $0.evict(tenant) }
        }
        let ring = try await readTenant(tenant)
        guard ring.l1UnlinkedAt == nil else {
            lockTenant(tenant, reason: Self.unlinkedReason, cause: .unlinked)
            throw KeyChainError.tenantLocked(tenant, reason: Self.unlinkedReason)
        }
        // Locked by its provider, as another node's status check (or this one's, before a restart) found it.
        if let reason = ring.l1ProviderLock {
            lockTenant(tenant, reason: reason, cause: .provider)
            throw KeyChainError.tenantLocked(tenant, reason: reason)
        }
        let keystore = try keystores.keystore(for: ring.l1)
        let root: SymmetricKey
        do {
            root = try await keystore.unwrap(ring.wrappedRoot, context: rootContext(tenant))
        } catch let error as KeystoreError {
            // A failed L1 call that says the key is off or gone locks at once, like the status check.
            switch error {
            case .disabled, .notFound:
                // Stored too, so every node locks; a lock that cannot be stored still holds here.
                let reason = "its L1 refused: \(error)"
                lockTenant(tenant, reason: reason, cause: .provider)
                var locked = ring
                locked.l1ProviderLock = reason
                try? await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(locked))
            default: break
            }
            throw error
        }
        let unsealed = try UnsealedTenant(ring: ring, root: root)
        // A lock that landed while the L1 call was in flight wins.
        try memory.withLock { memory throws(KeyChainError) in
            if case .locked(let reason, _) = memory.tenants[tenant] { throw .tenantLocked(tenant, reason: reason) }
            memory.tenants[tenant] = .unsealed(unsealed)
        }
        return unsealed
    }

    /// Applies a rule change to the tenant record, stores it and reflects it in memory.
    func updateTenant(_ tenant: TenantID, _ change: @Sendable (inout TenantKeyRing) throws(KeyChainError) -> Void) async throws {
        try await tenantTransaction(tenant) {
            var ring = try await readTenant(tenant)
            try refuseIfLocked(ring)
            try change(&ring)
            try await storage.put(TenantKeyRing.storageKey(tenant), value: RecordCoder.encode(ring))
            try reflect(ring)
        }
    }

    func updateService(
        _ tenant: TenantID, _ service: ServiceID, _ change: @Sendable (inout ServiceKeyRing) throws(KeyChainError) -> Void
    ) async throws {
        try await tenantTransaction(tenant) {
            try refuseIfLocked(try await readTenant(tenant))
            var ring = try await readService(tenant, service)
            try change(&ring)
            try await storage.put(ServiceKeyRing.storageKey(tenant, service), value: RecordCoder.encode(ring))
            forgetService(tenant, service)
        }
    }

    /// Puts a changed tenant record into memory by unwrapping its L2.1
    /// versions again under the L2 already held, so memory always matches the
    /// stored rules (a lowered minimum brings old versions back, a destroyed
    /// version goes). Loaded services are dropped and reload on use.
    func reflect(_ ring: TenantKeyRing) throws {
        let root = memory.withLock { memory -> SymmetricKey? in
            guard case .unsealed(let unsealed) = memory.tenants[ring.tenant] else { return nil }
            return unsealed.root
        }
        guard let root else { return }
        let rebuilt = try UnsealedTenant(ring: ring, root: root)
        memory.withLock { memory in
            guard case .unsealed = memory.tenants[ring.tenant] else { return }
            memory.tenants[ring.tenant] = .unsealed(rebuilt)
            memory.dropLoaded(ring.tenant)
        }
    }

    /// Changes to a locked or unlinked tenant are refused like everything else.
    /// (Destroying is not: crypto-shredding needs no key.)
    func refuseIfLocked(_ ring: TenantKeyRing) throws(KeyChainError) {
        if ring.l1UnlinkedAt != nil { throw .tenantLocked(ring.tenant, reason: Self.unlinkedReason) }
        if let reason = ring.l1ProviderLock { throw .tenantLocked(ring.tenant, reason: reason) }
        try memory.withLock { memory throws(KeyChainError) in
            if case .locked(let reason, _) = memory.tenants[ring.tenant] { throw .tenantLocked(ring.tenant, reason: reason) }
        }
    }

    /// A lock in memory, whatever the tenant's confirmation: for the last look
    /// of an operation that already holds its keys (a lock that landed meanwhile).
    public func refuseIfLockedInMemory(_ tenant: TenantID) throws(KeyChainError) {
        try memory.withLock { memory throws(KeyChainError) in
            if let gate = memory.regionGate { throw .tenantLocked(tenant, reason: gate) }
            if case .locked(let reason, _) = memory.tenants[tenant] { throw .tenantLocked(tenant, reason: reason) }
        }
    }

    func forgetService(_ tenant: TenantID, _ service: ServiceID) {
        memory.withLock { memory in
            memory.services[tenant]?.removeValue(forKey: service)
            memory.subjects[tenant]?.removeValue(forKey: service)
        }
    }

    /// Runs `body` under the tenant's lock in this process, as one store
    /// transaction (``SealedStorage/transaction(_:)``): the records it reads
    /// are the ones its writes are conditioned on, so a change another node
    /// made meanwhile runs `body` again instead of being overwritten. Every
    /// change to a tenant's records goes through here.
    func tenantTransaction<Result: Sendable>(_ tenant: TenantID, _ body: () async throws -> Result) async throws -> Result {
        try await tenantLocks.withLock(tenant) {
            try await storage.transaction {
                try await confirmCurrent(tenant)
                return try await body()
            }
        }
    }

    func readTenant(_ tenant: TenantID) async throws -> TenantKeyRing {
        let key = TenantKeyRing.storageKey(tenant)
        guard let data = try await storage.get(key) else { throw KeyChainError.tenantNotFound(tenant) }
        return try RecordCoder.decode(TenantKeyRing.self, from: data, at: key)
    }

    func readService(_ tenant: TenantID, _ service: ServiceID) async throws -> ServiceKeyRing {
        let key = ServiceKeyRing.storageKey(tenant, service)
        guard let data = try await storage.get(key) else {
            if let region = servicesElsewhere.withLock({ $0[tenant]?[service] }) {
                throw KeyChainError.serviceInOtherRegion(tenant, service, region: region)
            }
            throw KeyChainError.serviceNotFound(tenant, service)
        }
        return try RecordCoder.decode(ServiceKeyRing.self, from: data, at: key)
    }

    func readRecord<Record: Decodable>(_ type: Record.Type, at key: String) async throws -> Record {
        guard let data = try await storage.get(key) else { throw BarrierError.recordCorrupted(key: key) }
        return try RecordCoder.decode(type, from: data, at: key)
    }
}

extension KeyChain {
    /// The unwrapped L2, L2.1 and L3 keys held for a tenant. Internal, for the
    /// tests that prove these bytes never reach storage.
    func unsealedKeyMaterial(for tenant: TenantID) -> [SymmetricKey] {
        memory.withLock { memory in
            guard case .unsealed(let unsealed) = memory.tenants[tenant] else { return [] }
            var keys = [unsealed.root] + unsealed.tenantKeys.sorted { $0.key < $1.key }.map(\.value)
            for service in (memory.services[tenant] ?? [:]).values {
                keys += service.ring.serviceKeys.versions.compactMap { try? service.unwrappingKey($0.version) }
            }
            return keys
        }
    }
}
