import Crypto
public import Foundation
import Synchronization

/// The barrier: every value is AES-256-GCM-encrypted under the barrier key's
/// active term (term 1 derived from the MasterKey, later terms random keys in
/// the sealed ``BarrierKeyring``, see ``rotateKey(at:)``) before it reaches
/// ``Storage``, bound to its storage key and to its version, so a record
/// copied to another key fails to open.
///
/// Every record carries a version (the store generation of the write that made
/// it: monotonic per path, never reused), and a sealed index says which paths
/// exist at which version: one index per ``StorageScope`` in 64 buckets, each
/// scope's root carrying its buckets' versions, and one store root carrying
/// every scope root's version. So someone who can write the store but has no
/// MasterKey cannot put back an older copy of a record, delete one, or put back
/// a deleted one without the read being refused (``BarrierError/recordRolledBack(key:expected:found:)``,
/// ``BarrierError/recordMissing(key:)``, ``BarrierError/recordUnexpected(key:)``);
/// only a rollback of the whole store to an older consistent state is not seen
/// here (docs/architecture.md says what bounds it).
///
/// Every mutation writes its records, their buckets, scope roots and the store
/// root in one atomic ``Storage/write(_:if:)``, serialised in this process and
/// conditioned on the store root it read: a writer in another process on the
/// same store (a replica) that committed in between makes the write fail and
/// be redone on top of the new index, never overwrite it. The index is cached
/// decoded while unsealed, so a read costs one storage round trip; a record
/// that does not match the cached index is checked again against the index
/// read afresh when the store root has moved (another writer's commit), and
/// refused when it has not.
///
/// While sealed every call throws ``BarrierError/sealed``.
public final class SealedStorage: Sendable {
    /// Records up to 16 MiB; the barrier refuses larger ones on read.
    public static let maximumRecordSize = 16 * 1024 * 1024

    /// The store underneath. Only bootstrap data that must be read while
    /// sealed (the seal configuration) may be used here directly.
    public let backend: any Storage
    /// The record keys while unsealed (see ``BarrierKeys``); nil while sealed.
    let keys = Mutex<BarrierKeys?>(nil)
    private let sealedFlag = Atomic<Bool>(true)
    /// The decoded index, loaded lazily and checked against its parents; nil
    /// while sealed or after a failed write (reloaded from the store then).
    private let index = Mutex<RecordIndex?>(nil)
    /// Serialises index changes (and index loads) in this process; writers in
    /// other processes are kept apart by the condition on the store root.
    let writeLock = KeyedAsyncLock<Int>()
    /// The highest store generation this process has read or written since
    /// unseal. The index is read again after a failed write; a store found
    /// below this was replaced while the server ran and is refused
    /// (``BarrierError/storeRewound(generation:seen:)``), never served.
    private let highWater = Mutex<UInt64>(0)
    /// Bumped at every seal and unseal: an index loaded under an earlier
    /// unseal (by an operation still running across a seal) is never cached.
    private let epoch = Atomic<UInt64>(0)

    public init(backend: any Storage) {
        self.backend = backend
    }

    /// Derives the record key from `masterKey` and starts serving. The index is
    /// loaded on first use; call ``openIndex(allowMigration:)`` to load (and, for a store
    /// written before records carried versions, build) it now.
    public func unseal(with masterKey: MasterKey) {
        let unsealed = BarrierKeys(masterKey: masterKey, epoch: epoch.add(1, ordering: .acquiringAndReleasing).newValue)
        index.withLock { $0 = nil }
        highWater.withLock { $0 = 0 }
        keys.withLock { $0 = unsealed }
        sealedFlag.store(false, ordering: .releasing)
    }

    /// Forgets the record key and the cached index; the derived key's bytes are zeroed on release.
    public func seal() {
        sealedFlag.store(true, ordering: .releasing)
        epoch.add(1, ordering: .acquiringAndReleasing)
        keys.withLock { $0 = nil }
        index.withLock { $0 = nil }
    }

    /// Caches `loaded` unless a seal or unseal came since `barrierKey` was taken.
    private func cache(_ loaded: RecordIndex, _ barrierKey: BarrierKeys) {
        index.withLock { index in
            if barrierKey.epoch == epoch.load(ordering: .acquiring) { index = loaded }
        }
    }

    /// Cheap enough for every L4 operation to check.
    public var isSealed: Bool { sealedFlag.load(ordering: .acquiring) }

    /// Loads the store root now, from the store (never from a cache), so that a
    /// store whose root was deleted or tampered with is refused at unseal.
    /// With `allowMigration`, a store with records but no root (written before
    /// records carried versions) is indexed here, trusting its records as they
    /// are, and each is rewritten with version 1, atomically; the server allows
    /// it only when its audit log never recorded a store generation (otherwise a
    /// missing root means the index was deleted). Nowhere else is a store indexed.
    /// - Returns: the store generation (the store root's version).
    @discardableResult
    public func openIndex(allowMigration: Bool = false) async throws -> UInt64 {
        try await withKeys { barrierKey in
            try await self.writeLock.withLock(0) {
                self.index.withLock { $0 = nil }
                return try await self.againIfStoreMoved { try await self.loadedIndex(barrierKey, allowMigration: allowMigration).generation }
            }
        }
    }

    /// The store generation (the store root's version), from the index this
    /// process holds: no storage read once the index is loaded.
    public func generation() async throws -> UInt64 {
        try await withKeys { barrierKey in
            try await self.writeLock.withLock(0) { try await self.againIfStoreMoved { try await self.loadedIndex(barrierKey).generation } }
        }
    }

    /// The store generation as the store holds it now, read from the store
    /// (not from the index this process caches): it moves with every commit
    /// of any writer, a replica's too. Readers that must see one generation
    /// across several reads compare it before and after them.
    public func generationFromStore() async throws -> UInt64 {
        _ = try currentKeys()
        return Self.version(of: try await backend.get(StorageScope.storeRootKey)) ?? 0
    }

    /// The decrypted record at `key`, or nil.
    public func get(_ key: String) async throws -> Data? {
        try await withKeys { try await self.get(key, $0) }
    }

    private func get(_ key: String, _ barrierKey: BarrierKeys) async throws -> Data? {
        let scope = try Self.scope(of: key)
        // A transaction builds on what it reads: never on an index another writer has moved past.
        if Self.transactionReads != nil { try await dropIndexIfStoreMoved() }
        // Fast path: the bucket is cached, so one storage read. A write that lands between the
        // two reads shows as a mismatch, which the locked path below settles.
        if let expected = index.withLock({ $0?.expectation(for: key, in: scope) }) {
            let stored = try await backend.get(key)
            if Self.version(of: stored) == expected {
                Self.transactionReads?.note(key, expected)
                guard let stored, let expected else { return nil }
                return try barrierKey.open(stored, at: key, version: expected)
            }
        }
        return try await writeLock.withLock(0) {
            try await self.againIfStoreMoved {
                var loaded = try await self.loadedIndex(barrierKey)
                let expected = try await self.loadBucket(of: key, in: scope, into: &loaded, barrierKey).versions[key]
                self.cache(loaded, barrierKey)
                let value = try Self.verify(try await self.backend.get(key), at: key, expected: expected, barrierKey)
                Self.transactionReads?.note(key, expected)
                return value
            }
        }
    }

    // MARK: Transactions

    /// The records read in the running ``transaction(_:)``, if any.
    @TaskLocal private static var transactionReads: TransactionReads?

    /// Whether the calling task runs inside a ``transaction(_:)``: caches in
    /// front of the barrier read through it then, so the read is noted.
    package static var inTransaction: Bool { transactionReads != nil }

    /// Runs `body` as one optimistic transaction: every record it reads
    /// through ``get(_:)`` is noted with its version, and every write it makes
    /// commits only if each of those records is still at that version (checked
    /// against the index the commit is made on top of). When another writer
    /// (a replica on the same database) changed one of them in between, the
    /// write fails with nothing written and `body` runs again from the start,
    /// reading the other writer's change: so a read-modify-write never
    /// overwrites a change it did not see. `body` must be safe to run again.
    /// A transaction inside another is part of it.
    public func transaction<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        if Self.transactionReads != nil { return try await body() }
        var attempt = 1
        while true {
            do {
                return try await Self.$transactionReads.withValue(TransactionReads()) { try await body() }
            } catch StorageError.conditionFailed(let key) where key != StorageScope.storeRootKey && attempt < Self.maximumWriteAttempts {
                try await Self.backOff(attempt)
                attempt += 1
            }
        }
    }

    /// Runs `body` (under ``writeLock``) again when it failed an integrity
    /// check while another writer moved the store forward (a replica's
    /// commit landed between two reads, or after the index was cached): the
    /// index is read again. A store root that did not move forward leaves
    /// the failure as it is: a record, bucket or root of this store was
    /// rolled back, deleted or put back.
    private func againIfStoreMoved<Result>(_ body: () async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as BarrierError where error.isIntegrityFailure && attempt < Self.maximumWriteAttempts {
                guard let now = Self.version(of: try await backend.get(StorageScope.storeRootKey)), now > highWater.withLock({ $0 }) else {
                    throw error
                }
                index.withLock { $0 = nil }
                attempt += 1
            }
        }
    }

    /// Encrypts and stores `value` at `key`.
    public func put(_ key: String, value: Data) async throws {
        try await write([.put(key: key, value: value)])
    }

    /// Removes `key` and its entry in the index.
    public func delete(_ key: String) async throws {
        try await write([.delete(key: key)])
    }

    /// Every key with `prefix`, as the sealed index has them. Refused when the
    /// store has a key the index does not, or lacks one it has.
    public func list(prefix: String) async throws -> [String] {
        if Self.transactionReads != nil { try await dropIndexIfStoreMoved() }
        let listed = try await withKeys { barrierKey in
            try await self.writeLock.withLock(0) {
                try await self.againIfStoreMoved { try await self.listLocked(prefix: prefix, barrierKey) }
            }
        }
        Self.transactionReads?.noteListing(prefix, Set(listed))
        return listed
    }

    /// ``list(prefix:)`` under ``writeLock``.
    private func listLocked(prefix: String, _ barrierKey: BarrierKeys) async throws -> [String] {
        var loaded = try await self.loadedIndex(barrierKey)
        let indexed = try await indexedPaths(prefix, in: &loaded, barrierKey)
        self.cache(loaded, barrierKey)
        let listed = try await self.backend.list(prefix: prefix).filter { StorageScope.of($0) != nil }
        if let unexpected = listed.first(where: { !indexed.contains($0) }) { throw BarrierError.recordUnexpected(key: unexpected) }
        if indexed.count != listed.count {
            let present = Set(listed)
            let missing = indexed.filter { !present.contains($0) }.min { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            throw BarrierError.recordMissing(key: missing ?? prefix)
        }
        return listed
    }

    /// Every path with `prefix` that `loaded` indexes (loading what it needs). Call under ``writeLock``.
    private func indexedPaths(_ prefix: String, in loaded: inout RecordIndex, _ barrierKey: BarrierKeys) async throws -> Set<String> {
        var indexed = Set<String>()
        for name in loaded.storeRoot.versions.keys {
            guard let scope = StorageScope.named(name) else { throw BarrierError.recordCorrupted(key: StorageScope.storeRootKey) }
            guard scope.mayHold(prefix: prefix) else { continue }
            for bucketName in try await loadScopeRoot(scope, into: &loaded, barrierKey).versions.keys {
                guard let bucket = Int(bucketName) else { throw BarrierError.recordCorrupted(key: scope.rootKey) }
                guard StorageScope.bucket(bucket, mayHold: prefix) else { continue }
                let versions = try await loadBucket(bucket, in: scope, into: &loaded, barrierKey)
                for path in versions.versions.keys where path.hasPrefix(prefix) { indexed.insert(path) }
            }
        }
        return indexed
    }

    /// Drops the cached index when the store root has moved past it (another
    /// writer committed), so the next read loads it again. Never a refusal:
    /// a root that did not move, or moved back, is judged when it is loaded.
    private func dropIndexIfStoreMoved() async throws {
        guard let cached = index.withLock({ $0?.generation }) else { return }
        if let now = Self.version(of: try await backend.get(StorageScope.storeRootKey)), now > cached {
            index.withLock { $0 = nil }
        }
    }

    /// Encrypts every put and applies all mutations, with the index records
    /// they change, in one atomic write.
    public func write(_ mutations: [StorageMutation]) async throws {
        _ = try currentKeys()
        // Nothing to write: no new generation (callers batch changes and may find none).
        if mutations.isEmpty { return }
        try await withKeys { try await self.write(mutations, $0) }
    }

    private func write(_ mutations: [StorageMutation], _ barrierKey: BarrierKeys) async throws {
        var scopes: [StorageScope] = []
        scopes.reserveCapacity(mutations.count)
        for mutation in mutations {
            try StoragePath.validate(mutation.key)
            scopes.append(try Self.scope(of: mutation.key))
        }
        var attempt = 1
        while true {
            do {
                return try await writeLock.withLock(0) {
                    let barrierKey = self.freshest(barrierKey)
                    return try await self.againIfStoreMoved { try await self.writeLocked(mutations, scopes, barrierKey) }
                }
            } catch StorageError.conditionFailed(let key) where key == StorageScope.storeRootKey && attempt < Self.maximumWriteAttempts {
                // Another writer (a replica on the same database) committed since the index was read, and
                // nothing was written: write again on top of its index, read afresh, after a pause taken
                // outside the lock so this process's other reads and writes go on meanwhile.
                try await Self.backOff(attempt)
                attempt += 1
            }
        }
    }

    /// One attempt of ``write(_:)`` under ``writeLock``: the records and the
    /// index records they change, written only on top of the store root the
    /// index was read from. Any failure drops the cached index.
    private func writeLocked(_ mutations: [StorageMutation], _ scopes: [StorageScope], _ barrierKey: BarrierKeys) async throws {
        var loaded = try await loadedIndex(barrierKey)
        // In a transaction: every record it read must still be at the version it read (on this index; the
        // condition on the store root below makes sure this index is the store's at the commit).
        let reads = Self.transactionReads
        for (key, version) in reads?.versions ?? [:] {
            guard let scope = StorageScope.of(key) else { continue }
            guard try await loadBucket(of: key, in: scope, into: &loaded, barrierKey).versions[key] == version else {
                cache(loaded, barrierKey)
                throw StorageError.conditionFailed(key: key)
            }
        }
        // And every prefix it listed must still hold the same paths (a record another writer added under a
        // prefix a destruction listed would otherwise survive it).
        for (prefix, paths) in reads?.listings ?? [:] {
            guard try await indexedPaths(prefix, in: &loaded, barrierKey) == paths else {
                cache(loaded, barrierKey)
                throw StorageError.conditionFailed(key: prefix.isEmpty ? "(all)" : prefix)
            }
        }
        let before = loaded.generation
        let generation = before + 1
        var sealed: [StorageMutation] = []
        sealed.reserveCapacity(mutations.count + 4)
        var touched: [StorageScope: Set<Int>] = [:]
        for (mutation, scope) in zip(mutations, scopes) {
            let bucket = StorageScope.bucket(of: mutation.key)
            var versions = try await loadBucket(bucket, in: scope, into: &loaded, barrierKey)
            switch mutation {
            case .put(let key, let value):
                sealed.append(.put(key: key, value: try barrierKey.seal(value, at: key, version: generation)))
                versions[key] = generation
            case .delete(let key):
                sealed.append(mutation)
                versions[key] = nil
            }
            loaded.buckets[scope.bucketKey(bucket)] = versions
            touched[scope, default: []].insert(bucket)
        }
        sealed += try loaded.commit(touched, generation: generation, barrierKey)
        do {
            try await backend.write(sealed, if: [Self.storeRootCondition(before)])
        } catch {
            // A failed condition wrote nothing; other failures may or may not have applied (a lost
            // connection). Either way the index is read again, at this generation or the one before
            // (checked against the high-water mark when it is loaded).
            index.withLock { $0 = nil }
            throw error
        }
        highWater.withLock { $0 = max($0, generation) }
        cache(loaded, barrierKey)
        // What this transaction wrote is what it has read from now on.
        for mutation in mutations {
            switch mutation {
            case .put(let key, _): reads?.wrote(key, generation)
            case .delete(let key): reads?.wrote(key, nil)
            }
        }
    }

    /// How often a write is redone on top of other writers' commits before it gives up.
    static let maximumWriteAttempts = 16

    /// A random pause before attempt `attempt + 1`, growing with each loss, so
    /// that a writer that keeps losing to a busier one gets its turn.
    private static func backOff(_ attempt: Int) async throws {
        try await Task.sleep(for: .microseconds(Int.random(in: 0...(250 << min(attempt, 8)))))
    }

    /// The store root as a write read it: at `generation`, or absent in a new store.
    private static func storeRootCondition(_ generation: UInt64) -> StorageCondition {
        generation == 0 ? .absent(key: StorageScope.storeRootKey) : .version(key: StorageScope.storeRootKey, generation)
    }

    // MARK: The index

    /// The cached index, or the store root loaded (or built) now. Call under ``writeLock``.
    private func loadedIndex(_ barrierKey: BarrierKeys, allowMigration: Bool = false) async throws -> RecordIndex {
        if let cached = index.withLock({ $0 }) { return cached }
        let loaded: RecordIndex
        let seen = highWater.withLock { $0 }
        if let stored = try await backend.get(StorageScope.storeRootKey) {
            loaded = try await checkScopeRoots(against: RecordIndex(storeRoot: stored, barrierKey), barrierKey)
        } else if seen > 0 {
            // This process read or wrote a store root since unseal: it was deleted under the server.
            throw BarrierError.recordMissing(key: StorageScope.storeRootKey)
        } else {
            loaded = try await migrate(barrierKey, allowLegacyRecords: allowMigration)
        }
        // Read again after a failed write, the store may be at the generation before it, never below
        // what this process has seen: an older store was put back under the running server.
        guard loaded.generation >= seen else { throw BarrierError.storeRewound(generation: loaded.generation, seen: seen) }
        highWater.withLock { $0 = max($0, loaded.generation) }
        cache(loaded, barrierKey)
        return loaded
    }

    /// Reads every scope root once, at load: one newer than the store root
    /// says, or one it does not list, means the store root was put back (with
    /// one scope, say, to make that scope's rollback look consistent), and
    /// nothing is served. An older or missing scope root is that scope's
    /// rollback: it is refused when the scope is used, and other scopes serve.
    private func checkScopeRoots(against storeRoot: RecordIndex, _ barrierKey: BarrierKeys) async throws -> RecordIndex {
        var loaded = storeRoot
        for key in try await backend.list(prefix: StorageScope.scopeRootPrefix) {
            let name = String(key.dropFirst(StorageScope.scopeRootPrefix.count))
            guard let scope = StorageScope.named(name), let expected = loaded.storeRoot[name] else {
                throw BarrierError.recordUnexpected(key: key)
            }
            guard let stored = try await backend.get(key), let found = Self.version(of: stored) else { continue }
            if found > expected {
                throw BarrierError.recordRolledBack(key: StorageScope.storeRootKey, expected: found, found: loaded.generation)
            }
            if found == expected {
                loaded.scopeRoots[scope] = try VersionMap(decoding: try barrierKey.open(stored, at: key, version: expected), at: key)
            }
        }
        return loaded
    }

    /// The scope root of `scope`, checked against the store root. Call under ``writeLock``.
    private func loadScopeRoot(_ scope: StorageScope, into loaded: inout RecordIndex, _ barrierKey: BarrierKeys) async throws -> VersionMap {
        if let cached = loaded.scopeRoots[scope] { return cached }
        // A scope the store root does not list is empty, whatever the store holds there.
        guard let expected = loaded.storeRoot[scope.name] else { return VersionMap() }
        let stored = try await backend.get(scope.rootKey)
        let root = try VersionMap(decoding: try Self.verify(stored, at: scope.rootKey, expected: expected, barrierKey)!, at: scope.rootKey)
        loaded.scopeRoots[scope] = root
        return root
    }

    private func loadBucket(of key: String, in scope: StorageScope, into loaded: inout RecordIndex, _ barrierKey: BarrierKeys) async throws -> VersionMap {
        try await loadBucket(StorageScope.bucket(of: key), in: scope, into: &loaded, barrierKey)
    }

    /// One bucket of `scope`, checked against its scope root. Call under ``writeLock``.
    private func loadBucket(_ bucket: Int, in scope: StorageScope, into loaded: inout RecordIndex, _ barrierKey: BarrierKeys) async throws -> VersionMap {
        let key = scope.bucketKey(bucket)
        if let cached = loaded.buckets[key] { return cached }
        let root = try await loadScopeRoot(scope, into: &loaded, barrierKey)
        let versions: VersionMap
        if let expected = root[String(bucket)] {
            versions = try VersionMap(decoding: try Self.verify(try await backend.get(key), at: key, expected: expected, barrierKey)!, at: key)
        } else {
            versions = VersionMap()
        }
        loaded.buckets[key] = versions
        return versions
    }

    /// Indexes a store written before records carried versions (or an empty
    /// one): every record is opened as it is (trust on first use: nothing older
    /// can be told apart from it) and rewritten at version 1 with the whole
    /// index, in one atomic write. A store that already has index records or
    /// versioned records but no store root had its root deleted, and is refused.
    private func migrate(_ barrierKey: BarrierKeys, allowLegacyRecords: Bool) async throws -> RecordIndex {
        var loaded = RecordIndex()
        let generation: UInt64 = 1
        var writes: [StorageMutation] = []
        var touched: [StorageScope: Set<Int>] = [:]
        for key in try await backend.list(prefix: "") {
            if [SealConfiguration.storageKey, SealConfiguration.generationKey, BarrierKeyring.storageKey].contains(key) { continue }
            guard let scope = StorageScope.of(key) else { throw BarrierError.recordMissing(key: StorageScope.storeRootKey) }
            guard let stored = try await backend.get(key) else { continue }
            guard Self.version(of: stored) == 0, allowLegacyRecords else { throw BarrierError.recordMissing(key: StorageScope.storeRootKey) }
            let value = try barrierKey.openUnversioned(stored, at: key)
            writes.append(.put(key: key, value: try barrierKey.seal(value, at: key, version: generation)))
            let bucket = StorageScope.bucket(of: key)
            loaded.buckets[scope.bucketKey(bucket), default: VersionMap()][key] = generation
            touched[scope, default: []].insert(bucket)
        }
        // An empty store (a new one) has nothing to index: its first write makes the store root at version 1.
        if writes.isEmpty { return loaded }
        writes += try loaded.commit(touched, generation: generation, barrierKey)
        try await backend.write(writes, if: [Self.storeRootCondition(0)])
        return loaded
    }

    // MARK: Records

    /// Which index `key` belongs to; the index's own keys and the seal configuration belong to none.
    private static func scope(of key: String) throws(BarrierError) -> StorageScope {
        guard let scope = StorageScope.of(key) else { throw .reservedKey(key: key) }
        return scope
    }

    /// The version a stored record says it is: nil when absent, 0 for a
    /// record from before versions (it starts with the envelope's magic, while
    /// a version's first byte is 0 for any version below 2^56).
    package static func version(of stored: Data?) -> UInt64? {
        guard let stored else { return nil }
        guard stored.count > 8, stored[stored.startIndex] == 0 else { return 0 }
        return StorageCondition.version(of: stored)
    }

    /// Opens `stored` if it is exactly the version the index expects.
    static func verify(_ stored: Data?, at key: String, expected: UInt64?, _ barrierKey: BarrierKeys) throws(BarrierError) -> Data? {
        switch (stored, expected) {
        case (nil, nil): return nil
        case (nil, .some): throw .recordMissing(key: key)
        case (.some, nil): throw .recordUnexpected(key: key)
        case (.some(let stored), .some(let expected)):
            let found = version(of: stored) ?? 0
            guard found == expected else { throw .recordRolledBack(key: key, expected: expected, found: found) }
            return try barrierKey.open(stored, at: key, version: expected)
        }
    }

    func currentKeys() throws(BarrierError) -> BarrierKeys {
        guard let current = keys.withLock({ $0 }) else { throw .sealed }
        return current
    }

    /// Runs `body` with the keys, the keyring read first if this unseal has not
    /// read it. A record of a term the keys lack (another node rotated since the
    /// keyring was read) reads the keyring again and runs `body` once more; a term
    /// the keyring does not hold either is a record made up outside the server.
    func withKeys<Result>(_ body: (BarrierKeys) async throws -> Result) async throws -> Result {
        var current = try currentKeys()
        if current.keyring == nil { current = try await readKeyring(current) }
        do {
            return try await body(current)
        } catch BarrierError.keyTermUnknown(let key, _) {
            let reread = try await readKeyring(current)
            do {
                return try await body(reread)
            } catch BarrierError.keyTermUnknown {
                throw BarrierError.recordCorrupted(key: key)
            }
        }
    }

    /// Reads the keyring from the store and installs it, unless a seal or
    /// unseal came since `current` was taken (then it only returns it).
    func readKeyring(_ current: BarrierKeys) async throws -> BarrierKeys {
        let path = BarrierKeyring.storageKey
        let read: BarrierKeys
        if let stored = try await backend.get(path) {
            guard let version = Self.version(of: stored), version > 0 else { throw BarrierError.recordCorrupted(key: path) }
            let keyring: BarrierKeyring
            do {
                var plaintext = try current.keyringKey.open(stored, at: path, version: version)
                defer { plaintext.resetBytes(in: 0..<plaintext.count) }
                keyring = try JSONDecoder().decode(BarrierKeyring.self, from: plaintext)
            } catch {
                throw BarrierError.recordCorrupted(key: path)
            }
            // A keyring older than one this unseal read was put back: refused, never used to seal.
            if current.keyring != nil, version < current.keyringVersion {
                throw BarrierError.recordRolledBack(key: path, expected: current.keyringVersion, found: version)
            }
            read = BarrierKeys(current, keyring: keyring, version: version)
        } else {
            if current.keyringVersion > 0 { throw BarrierError.recordMissing(key: path) }
            read = BarrierKeys(current, keyring: BarrierKeyring(), version: 0)
        }
        return install(read)
    }

    /// Installs `candidate` unless a seal or unseal came since it was taken, or
    /// a newer keyring is installed already (a slow read never undoes a
    /// rotation). Returns the keys installed after it.
    func install(_ candidate: BarrierKeys) -> BarrierKeys {
        keys.withLock { keys in
            guard let installed = keys, installed.epoch == candidate.epoch else { return candidate }
            if installed.keyring == nil || candidate.keyringVersion >= installed.keyringVersion { keys = candidate }
            return keys ?? candidate
        }
    }

    /// The keys to seal a write with, taken under ``writeLock``: those installed
    /// now when they are `taken`'s or newer (a rotation, which installs its term
    /// under the lock, is never missed by a write queued behind it).
    func freshest(_ taken: BarrierKeys) -> BarrierKeys {
        keys.withLock { keys in
            guard let installed = keys, installed.epoch == taken.epoch, installed.keyring != nil,
                  installed.keyringVersion >= taken.keyringVersion else { return taken }
            return installed
        }
    }
}
