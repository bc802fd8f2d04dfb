import Crypto

/// Which part of the barrier's record index a storage path belongs to.
///
/// The barrier keeps a sealed index of every record's version (see
/// ``SealedStorage``). The index is split by scope so that one write rewrites
/// only the index of the tenant (or system area) it touches: a tenant's records
/// (`tenants/<t>`, `services/<t>/...`, `destroyed-l4/<t>/...`, subject
/// secrets and tombstones `subjects/<t>/...`, `subject-tombstones/<t>/...`,
/// `kmip/objects/<t>/...`) share the scope `tenant/<t>`; everything else
/// falls into a few system scopes. This is the one place that decides it.
package struct StorageScope: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// `tenant/<t>` or `system/<area>`; also the scope's part of the index's storage keys.
    package let name: String

    private init(name: String) { self.name = name }

    package static func tenant(_ tenant: String) -> StorageScope { StorageScope(name: "tenant/" + tenant) }
    package static func system(_ area: String) -> StorageScope { StorageScope(name: "system/" + area) }

    /// The scope a store root names, or nil for a name no scope has.
    package static func named(_ name: String) -> StorageScope? {
        name.hasPrefix("tenant/") || name.hasPrefix("system/") ? StorageScope(name: name) : nil
    }

    package var description: String { name }

    /// The tenant a `tenant/<t>` scope belongs to.
    package var tenant: String? {
        name.hasPrefix("tenant/") ? String(name.dropFirst("tenant/".count)) : nil
    }
    package static func < (lhs: StorageScope, rhs: StorageScope) -> Bool { lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }

    // MARK: Index layout

    /// Keys the barrier keeps for its index; callers may not use them.
    package static let reservedPrefix = "barrier/"
    /// The store-wide root: every scope root's version, and the store's generation.
    package static let storeRootKey = "barrier/root"
    /// Index records are split in this many buckets per scope, so a tenant with
    /// tens of thousands of KMIP objects or revoked L4s rewrites about 1/64 of
    /// its index per write.
    package static let bucketCount = 64

    /// Where the scope roots are stored (each under its name).
    package static let scopeRootPrefix = "barrier/scopes/"
    /// Where the scope root (each bucket's version) is stored.
    package var rootKey: String { Self.scopeRootPrefix + name }
    /// Where one bucket (each indexed path's version) is stored.
    package func bucketKey(_ bucket: Int) -> String { "barrier/buckets/\(name)/\(bucket)" }

    /// The bucket of `path` inside its scope. A tenant's few head records
    /// (`tenants/<t>`, `services/<t>/...`) share bucket 0, so listing tenants or
    /// services reads one bucket per tenant, not its KMIP objects and revoked
    /// L4s; every other path goes to bucket 1 + (first byte of SHA-256(path) mod 63).
    package static func bucket(of path: String) -> Int {
        if isHead(path) { return 0 }
        return 1 + Int(SHA256.hash(data: Array(path.utf8)).withUnsafeBytes { $0[0] }) % (bucketCount - 1)
    }

    /// Whether bucket `bucket` may hold a path that starts with `prefix`.
    package static func bucket(_ bucket: Int, mayHold prefix: String) -> Bool {
        // A prefix that only head paths can have (or only other paths) rules out the other buckets.
        if isHead(prefix) { return bucket == 0 }
        if headPrefixes.contains(where: { $0.hasPrefix(prefix) }) { return true }
        return bucket != 0
    }

    private static let headPrefixes = ["tenants/", "services/"]
    private static func isHead(_ path: String) -> Bool { headPrefixes.contains { path.hasPrefix($0) } }

    // MARK: Paths to scopes

    /// The scope of `path`, or nil for paths outside the index: the barrier's
    /// own index records, and `core/seal-config`, which is read while sealed
    /// (it holds no secret; the key-check value in it is what stops a wrong
    /// MasterKey, and a changed one cannot unseal: see docs/architecture.md).
    package static func of(_ path: String) -> StorageScope? {
        if path.hasPrefix(reservedPrefix) || path == SealConfiguration.storageKey { return nil }
        let segments = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        switch segments[0] {
        case let folder where tenantFolders.contains(folder):
            if segments.count >= 2, isTenantLike(segments[1]) { return .tenant(String(segments[1])) }
        case "kmip":
            if segments.count >= 3, segments[1] == "objects", isTenantLike(segments[2]) { return .tenant(String(segments[2])) }
            return .system("kmip")
        case "identities", "identities-by-certificate", "identities-by-subject":
            return .system("identities")
        case "audit":
            return .system("audit")
        case "idempotency":
            return .system("idempotency")
        case "governance":
            return .system("governance")
        default:
            break
        }
        return .system("other")
    }

    /// Whether some path of this scope may start with `prefix`: `list` reads
    /// the index of these scopes only. Conservative: true when unsure.
    package func mayHold(prefix: String) -> Bool {
        let heads: [String]
        if name.hasPrefix("tenant/") {
            let tenant = name.dropFirst("tenant/".count)
            // `tenants/<t>` is a record; the other folders hold records under `<folder>/<t>/`.
            heads = Self.tenantFolders.map { $0 == "tenants" ? "tenants/\(tenant)" : "\($0)/\(tenant)/" } + ["kmip/objects/\(tenant)/"]
        } else {
            switch name {
            case "system/kmip": heads = ["kmip/"]
            case "system/identities": heads = ["identities"]
            case "system/audit": heads = ["audit/"]
            case "system/idempotency": heads = ["idempotency/"]
            case "system/governance": heads = ["governance/"]
            default: return true
            }
        }
        return heads.contains { $0.hasPrefix(prefix) || prefix.hasPrefix($0) }
    }

    /// The top-level folders whose second segment is a tenant id: their records
    /// belong to that tenant's scope (one list, for ``of(_:)`` and ``mayHold(prefix:)`` alike).
    private static let tenantFolders: Set<Substring> = ["tenants", "services", "destroyed-l4", "subjects", "subject-tombstones", "rewrap-jobs", "rewrap-job-data"]

    /// Tenant ids are 1 to 64 of `[A-Za-z0-9._-]`; anything else is not a tenant's path.
    private static func isTenantLike(_ segment: Substring) -> Bool {
        (1...64).contains(segment.utf8.count) && segment.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }
}
