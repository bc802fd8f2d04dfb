import Crypto
import Foundation
import OpenKCMCore
import Synchronization

/// Data keys (L4) revoked one by one: the SHA-256 of each wrapped blob,
/// stored per (tenant, service) under `destroyed-l4/` in sealed storage (the
/// prefix predates the name "revocation" and is kept so stored lists still
/// apply). An unwrap of a listed blob is refused through OpenKCM; this is a
/// deny-list, not crypto-shredding. Each (tenant, service) list
/// is held in memory and read again from storage every `lifetime`, so another
/// replica's destructions apply here within that time; this process's own at once.
final class RevokedDataKeys: Sendable {
    private let lists = Mutex<[String: (digests: Set<String>, readAt: ContinuousClock.Instant)]>([:])
    /// 5 s on a store of its own; the freshness bound on a store shared with other nodes.
    let lifetime: Duration

    init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    /// Another node changed the tenant's records: its lists are read again on next use.
    func storeChanged(tenant: String) {
        let prefix = "destroyed-l4/\(tenant)/"
        lists.withLock { lists in
            for key in lists.keys where key.hasPrefix(prefix) { lists.removeValue(forKey: key) }
        }
    }

    /// Anything may have changed.
    func storeChangedEverywhere() {
        lists.withLock { $0.removeAll() }
    }

    static func digest(_ blob: Data) -> String {
        Array(SHA256.hash(data: blob)).hexString
    }

    private static func prefix(_ tenant: TenantID, _ service: ServiceID) -> String {
        "destroyed-l4/\(tenant.rawValue)/\(service.rawValue)/"
    }

    func contains(_ blob: Data, tenant: TenantID, service: ServiceID, storage: SealedStorage) async throws -> Bool {
        let scope = Self.prefix(tenant, service)
        // On every unwrap: no hashing at all while a service has nothing destroyed.
        if let list = lists.withLock({ $0[scope] }), ContinuousClock.now - list.readAt < lifetime {
            return !list.digests.isEmpty && list.digests.contains(Self.digest(blob))
        }
        let keys = try await storage.list(prefix: scope)
        let digests = Set(keys.map { String($0.dropFirst(scope.count)) })
        // Merged, never replaced: a revocation recorded here while storage was being read is kept.
        let merged = lists.withLock { lists in
            if lists.count > 10_000 { lists.removeAll() }
            let merged = digests.union(lists[scope]?.digests ?? [])
            lists[scope] = (merged, .now)
            return merged
        }
        return merged.contains(Self.digest(blob))
    }

    /// Records a revocation; returns the blob's digest.
    func add(_ blob: Data, tenant: TenantID, service: ServiceID, storage: SealedStorage) async throws -> String {
        let digest = Self.digest(blob)
        let scope = Self.prefix(tenant, service)
        try await storage.put(scope + digest, value: Data(ISO8601DateFormatter().string(from: Date()).utf8))
        lists.withLock { lists in
            var list = lists[scope] ?? ([], .now - lifetime)
            list.digests.insert(digest)
            lists[scope] = list
        }
        return digest
    }
}
