import Crypto
import Foundation
import Synchronization

/// Subject-bound data keys: an L4 wrapped under a key derived from an L3
/// version and its subject's secret, and crypto-shredding one subject by
/// deleting that secret (docs/architecture.md, crypto-shredding).
extension KeyChain {
    /// Crypto-shreds a subject: deletes its secret and leaves a tombstone in
    /// one write, drops it from memory, tells listeners, and purges the store
    /// (SQLite's secure delete and WAL truncation). Every L4 bound to the
    /// subject is unrecoverable afterwards, from any copy of its blobs, and
    /// the subject id is refused from then on (``KeyChainError/subjectDestroyed(digest:)``)
    /// rather than given a new secret. Needs no key, so it works while the
    /// tenant is locked; destroying a subject twice, or one never used, leaves
    /// the same tombstone.
    /// - Returns: the subject's name, as the store and the audit log call it.
    @discardableResult
    public func destroySubject(_ subject: SubjectID, tenant: TenantID, service: ServiceID) async throws -> String {
        try await tenantTransaction(tenant) {
            _ = try await readTenant(tenant)
            _ = try await readService(tenant, service)
            let name = try await subjectName(subject, tenant: tenant, service: service)
            subjectDestructions.add(1, ordering: .sequentiallyConsistent)
            try await storage.write([
                .delete(key: SubjectKeys.secretKey(tenant, service, name: name)),
                .put(key: SubjectKeys.tombstoneKey(tenant, service, name: name), value: Data(Timestamp.format(Date()).utf8)),
            ])
            memory.withLock { _ = $0.subjects[tenant]?[service]?.removeValue(forKey: subject.digest) }
            subjectDestructions.add(1, ordering: .sequentiallyConsistent)
            broadcast.emit(.subjectDestroyed(tenant, service, digest: subject.digest))
            // The destruction is done (secret deleted, tombstone written): a purge that fails now (a
            // reader holding old WAL frames) is not a failed destruction. It is tried again by the
            // next purge; the deleted bytes stay in the WAL until then.
            try? await storage.backend.purgeDeleted()
            return name
        }
    }

    /// Whether a subject was destroyed (its tombstone is stored).
    public func isSubjectDestroyed(_ subject: SubjectID, tenant: TenantID, service: ServiceID) async throws -> Bool {
        let name = try await subjectName(subject, tenant: tenant, service: service)
        return try await storage.get(SubjectKeys.tombstoneKey(tenant, service, name: name)) != nil
    }

    /// What the store and the audit log call `subject` (``SubjectKeys/name(_:tenant:service:key:)``).
    /// The first call on a store makes its name key.
    public func subjectName(_ subject: SubjectID, tenant: TenantID, service: ServiceID) async throws -> String {
        SubjectKeys.name(subject, tenant: tenant, service: service, key: try await subjectNameKey())
    }

    /// The store's subject name key: from memory, else read, or made on a store that has none.
    private func subjectNameKey() async throws -> SymmetricKey {
        guard !storage.isSealed else { throw BarrierError.sealed }
        if let held = memory.withLock({ $0.subjectNameKey }) { return held }
        // Made under a lock so two first uses in this process cannot make two keys, and in a store
        // transaction so two nodes cannot either: the one whose "absent" read is stale runs again and reads
        // the other's key.
        return try await subjectNameLock.withLock(SubjectKeys.nameKeyPath) { () async throws -> SymmetricKey in
            if let held = memory.withLock({ $0.subjectNameKey }) { return held }
            let key = try await storage.transaction { () async throws -> SymmetricKey in
                if var stored = try await storage.get(SubjectKeys.nameKeyPath) {
                    defer { stored.resetBytes(in: 0..<stored.count) }
                    guard stored.count == 32 else { throw BarrierError.recordCorrupted(key: SubjectKeys.nameKeyPath) }
                    return SymmetricKey(data: stored)
                }
                let made = SystemRandom.symmetricKey()
                var bytes = made.withUnsafeBytes { Data($0) }
                defer { bytes.resetBytes(in: 0..<bytes.count) }
                try await storage.put(SubjectKeys.nameKeyPath, value: bytes)
                return made
            }
            // A seal that landed meanwhile dropped memory; the key is not kept past it.
            guard !storage.isSealed else { throw BarrierError.sealed }
            memory.withLock { $0.subjectNameKey = key }
            return key
        }
    }

    /// Wraps an L4 for `subject` under the current L3 version; makes the
    /// subject's secret on its first use.
    func wrapForSubject(
        _ key: SymmetricKey, tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID
    ) async throws -> (wrapped: Data, version: UInt32) {
        let destructions = subjectDestructions.load(ordering: .sequentiallyConsistent)
        let (loaded, version, l3) = try await serviceWrappingKey(tenant, service)
        guard let secret = try await subjectSecret(subject, tenant: tenant, service: service, create: true) else {
            throw KeyChainError.subjectMismatch(digest: subject.digest)  // unreachable: `create` makes one
        }
        let wrappingKey = SubjectKeys.wrappingKey(l3: l3, subjectSecret: secret, tenant: tenant, service: service, subject: subject)
        let wrapped = try EnvelopeCipher.wrap(
            key,
            header: EnvelopeHeader(layer: .l4Subject, keyID: loaded.ring.serviceKeys.keyID, keyVersion: version),
            binding: KeyChainBindings.subjectDataKey(tenant, service, subject: subject, context: context),
            wrappingKey: wrappingKey
        )
        // A destruction that landed while this wrap ran: a blob under a deleted secret
        // would never open, so it is refused instead of handed out.
        if subjectDestructions.load(ordering: .sequentiallyConsistent) != destructions,
            try await isSubjectDestroyed(subject, tenant: tenant, service: service) {
            throw KeyChainError.subjectDestroyed(digest: subject.digest)
        }
        // A seal or lock that landed meanwhile stops it as it stops a plain wrap.
        guard !storage.isSealed else { throw BarrierError.sealed }
        try refuseIfLockedInMemory(tenant)
        return (Data(wrapped), version)
    }

    /// Opens a subject-bound L4 (layer 0x41, already parsed).
    func unwrapForSubject(
        _ envelope: WrappedKey, tenant: TenantID, service: ServiceID, context: EncryptionContext, subject: SubjectID
    ) async throws -> SymmetricKey {
        let destructions = subjectDestructions.load(ordering: .sequentiallyConsistent)
        let loaded = try await unsealedService(tenant, service)
        guard envelope.header.keyID == loaded.ring.serviceKeys.keyID else { throw KeyChainError.foreignKey(layer: .l3) }
        let l3 = try loaded.unwrappingKey(envelope.header.keyVersion)
        // A subject with no secret never wrapped this blob; nothing is made for it on an unwrap.
        guard let secret = try await subjectSecret(subject, tenant: tenant, service: service, create: false) else {
            throw KeyChainError.subjectMismatch(digest: subject.digest)
        }
        let wrappingKey = SubjectKeys.wrappingKey(l3: l3, subjectSecret: secret, tenant: tenant, service: service, subject: subject)
        let key: SymmetricKey
        do {
            key = try EnvelopeCipher.unwrap(
                envelope, expecting: .l4Subject,
                binding: KeyChainBindings.subjectDataKey(tenant, service, subject: subject, context: context),
                wrappingKey: wrappingKey)
        } catch .authenticationFailed {
            // The blob names its layer, key and version, all checked above: what is left is the subject or the context.
            throw KeyChainError.subjectMismatch(digest: subject.digest)
        }
        // A destruction that landed while this unwrap ran (its secret taken from memory before):
        // once the destroy has answered, no key of the subject is handed out.
        if subjectDestructions.load(ordering: .sequentiallyConsistent) != destructions,
            try await isSubjectDestroyed(subject, tenant: tenant, service: service) {
            throw KeyChainError.subjectDestroyed(digest: subject.digest)
        }
        return key
    }

    /// The subject's secret: from memory while fresh, else read (or, with
    /// `create`, made and stored) under the tenant's lock, so two first uses
    /// cannot make two secrets. A destroyed subject throws; an unknown one
    /// without `create` is nil.
    func subjectSecret(_ subject: SubjectID, tenant: TenantID, service: ServiceID, create: Bool) async throws -> SymmetricKey? {
        guard !storage.isSealed else { throw BarrierError.sealed }
        if let held = try heldSubjectSecret(subject, tenant: tenant, service: service) { return held }
        return try await tenantTransaction(tenant) { () async throws -> SymmetricKey? in
            if let held = try heldSubjectSecret(subject, tenant: tenant, service: service) { return held }
            // The tenant must be usable: a locked tenant's subjects are refused like its services. The service
            // record is read in this transaction, so a destruction of the service on another node makes a new
            // secret's write fail instead of leaving it orphaned.
            _ = try await unsealTenantLocked(tenant)
            _ = try await readService(tenant, service)
            let path = SubjectKeys.secretKey(tenant, service, name: try await subjectName(subject, tenant: tenant, service: service))
            let secret: SymmetricKey
            if var stored = try await storage.get(path) {
                defer { stored.resetBytes(in: 0..<stored.count) }
                guard stored.count == SubjectKeys.secretByteCount else { throw BarrierError.recordCorrupted(key: path) }
                secret = SymmetricKey(data: stored)
            } else {
                if try await isSubjectDestroyed(subject, tenant: tenant, service: service) {
                    throw KeyChainError.subjectDestroyed(digest: subject.digest)
                }
                guard create else { return nil }
                secret = SystemRandom.symmetricKey()
                var bytes = secret.withUnsafeBytes { Data($0) }
                defer { bytes.resetBytes(in: 0..<bytes.count) }
                try await storage.put(path, value: bytes)
            }
            try memory.withLock { memory throws(KeyChainError) in
                switch memory.tenants[tenant] {
                case .unsealed:
                    // Bounded: past 100,000 subjects of one service, start over rather than grow.
                    if memory.subjects[tenant]?[service]?.count ?? 0 >= 100_000 { memory.subjects[tenant]?[service] = [:] }
                    memory.subjects[tenant, default: [:]][service, default: [:]][subject.digest] =
                        HeldSubjectSecret(secret: secret, readAt: .now)
                case .locked(let reason, _): throw .tenantLocked(tenant, reason: reason)
                case nil: break
                }
            }
            return secret
        }
    }

    /// The secret held in memory, if it is there and fresh.
    private func heldSubjectSecret(_ subject: SubjectID, tenant: TenantID, service: ServiceID) throws(KeyChainError) -> SymmetricKey? {
        let freshness = subjectFreshness
        return try memory.withLock { memory throws(KeyChainError) -> SymmetricKey? in
            if case .locked(let reason, _) = memory.tenants[tenant] { throw .tenantLocked(tenant, reason: reason) }
            guard let held = memory.subjects[tenant]?[service]?[subject.digest], ContinuousClock.now - held.readAt < freshness else {
                return nil
            }
            return held.secret
        }
    }

    /// How many subject secrets are held in memory for a tenant. For the
    /// tests that prove a lock, an eviction or a seal lets them go.
    package func heldSubjectSecretCount(_ tenant: TenantID) -> Int {
        memory.withLock { $0.subjects[tenant]?.values.reduce(0) { $0 + $1.count } ?? 0 }
    }
}
