import Foundation

/// What `/v1/sys/seal-status` reports.
public struct SealStatus: Sendable, Hashable, Codable {
    public var initialized: Bool
    public var sealed: Bool
    public var kind: String?
    public var threshold: Int?
    public var shares: Int?
    /// Shares given toward the threshold so far.
    public var progress: Int
    /// While sealed: why the last auto-unseal failed (a keystore refused, is
    /// disabled or unreachable, or fewer than the threshold of shard keystores answered).
    public var autoUnsealError: String? = nil
    /// This node's id among the replicas sharing a store; nil for a node with a store of its own.
    public var node: String? = nil
    /// On a shared store: the nodes listening to it now (this one included), and
    /// the cluster-wide duties this node runs (`l1-status`, `key-rotation`).
    public var peers: [String]? = nil
    public var duties: [String]? = nil
    /// Why the audit log refuses: while sealed, why the last unseal found the
    /// log broken against its checkpoint (the server does not unseal over it);
    /// while unsealed, a write failure that refuses operations until it passes.
    public var auditError: String? = nil
    /// While unsealed: the check value of the MasterKey in use (it checked out
    /// at unseal), which backups name and `backup restore --master-key-check`
    /// asks for. Not shown while sealed: the stored seal configuration is not
    /// authenticated until a MasterKey opens the store.
    public var masterKeyCheck: String? = nil
}
