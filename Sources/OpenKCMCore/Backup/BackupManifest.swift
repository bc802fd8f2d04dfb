public import Foundation

/// What a backup holds, written before its records and authenticated under a
/// key derived from the MasterKey: so a backup names the store generation it
/// was taken at, which MasterKey opens it, and how many records of each kind
/// it carries, and none of that can be changed without the MasterKey.
public struct BackupManifest: Sendable, Hashable, Codable {
    /// Always `openkcm-backup`.
    public var format: String
    public var formatVersion: Int
    public var createdAt: Date
    /// The node that made it, on a store shared by replicas.
    public var node: String?
    /// The store root's version when the snapshot was read: a server whose
    /// audit log recorded a later generation refuses to unseal on a restore
    /// of this backup (it would be a rollback), see docs/operations.md.
    public var storeGeneration: UInt64
    public var recordCount: Int
    /// SHA-256 of the records section, hex.
    public var recordsSHA256: String
    /// The check value of the MasterKey the records are sealed under (hex):
    /// the shares or the seal keystore a restore needs.
    public var masterKeyCheck: String
    /// How the store is sealed (`shamir`, `shard-keystores`, `keystore`, `dev`).
    public var sealKind: String
    /// Records by their first path segment (`tenants`, `services`, `kmip`, ...),
    /// the barrier's own index records and the seal configuration left out.
    public var contents: [String: Int]

    public static let formatName = "openkcm-backup"
    public static let currentFormatVersion = 1
}
