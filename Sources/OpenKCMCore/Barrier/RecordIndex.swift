import Foundation

/// The barrier's index as far as it is loaded: the store root (every scope
/// root's version) and the scope roots and buckets read so far, each checked
/// against its parent when it was read. Held by ``SealedStorage`` while
/// unsealed; changed only under its write lock.
struct RecordIndex: Sendable {
    /// The store root's version: the generation of the last write. Every
    /// record, bucket and root a write stores gets the next one.
    var generation: UInt64 = 0
    var storeRoot = VersionMap()
    var scopeRoots: [StorageScope: VersionMap] = [:]
    /// By the bucket's storage key.
    var buckets: [String: VersionMap] = [:]

    init() {}

    /// The store root as stored; its own version is the store generation.
    init(storeRoot stored: Data, _ barrierKey: BarrierKeys) throws(BarrierError) {
        let key = StorageScope.storeRootKey
        guard let version = SealedStorage.version(of: stored), version > 0 else { throw .recordCorrupted(key: key) }
        storeRoot = try VersionMap(decoding: try barrierKey.open(stored, at: key, version: version), at: key)
        generation = version
    }

    /// The version `key` must have (nil: it must not exist), or nil when its
    /// bucket is not loaded yet: `.some(nil)` and `nil` differ.
    func expectation(for key: String, in scope: StorageScope) -> UInt64?? {
        guard let bucket = buckets[scope.bucketKey(StorageScope.bucket(of: key))] else { return nil }
        return .some(bucket[key])
    }

    /// Seals the touched buckets, their scope roots and the store root at
    /// `generation`, updating this index to match; returns the mutations to
    /// write with the records. Empty buckets and scopes are deleted, so the
    /// index never grows with what was destroyed.
    mutating func commit(_ touched: [StorageScope: Set<Int>], generation: UInt64, _ barrierKey: BarrierKeys) throws -> [StorageMutation] {
        var out: [StorageMutation] = []
        for (scope, buckets) in touched.sorted(by: { $0.key < $1.key }) {
            var root = scopeRoots[scope] ?? VersionMap()
            for bucket in buckets.sorted() {
                let key = scope.bucketKey(bucket)
                let versions = self.buckets[key] ?? VersionMap()
                if versions.isEmpty {
                    out.append(.delete(key: key))
                    root[String(bucket)] = nil
                } else {
                    out.append(.put(key: key, value: try barrierKey.seal(versions.encoded(), at: key, version: generation)))
                    root[String(bucket)] = generation
                }
            }
            if root.isEmpty {
                out.append(.delete(key: scope.rootKey))
                storeRoot[scope.name] = nil
            } else {
                out.append(.put(key: scope.rootKey, value: try barrierKey.seal(root.encoded(), at: scope.rootKey, version: generation)))
                storeRoot[scope.name] = generation
            }
            scopeRoots[scope] = root
        }
        let key = StorageScope.storeRootKey
        out.append(.put(key: key, value: try barrierKey.seal(storeRoot.encoded(), at: key, version: generation)))
        self.generation = generation
        return out
    }
}
