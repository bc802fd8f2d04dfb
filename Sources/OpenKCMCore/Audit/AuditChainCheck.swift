import Crypto

/// Checks audit entries one at a time, in stored order, so that a log of any
/// length (spread over many segment files) is verified in bounded memory.
///
/// Each entry must carry a MAC made with this MasterKey's audit key, the next
/// sequence number, and the hash of the entry before it. With a checkpoint
/// (the head kept in sealed storage, outside the log), the entry at the
/// checkpoint's sequence must be the one that was checkpointed, and the log
/// must reach it: a log cut short, regrown after a cut, or replaced by another
/// server's log is caught even though each of its entries verifies.
public struct AuditChainCheck: Sendable {
    private let keyedMAC: HMAC<SHA256>
    private let checkpoint: AuditHead?
    /// The last entry checked (or where checking started).
    public private(set) var head: AuditHead
    /// How many entries were checked.
    public private(set) var checked: UInt64 = 0

    /// Starts after `head`: ``AuditHead/genesis`` for a whole log; the entry
    /// before the first one to check otherwise (its sequence, and the hash the
    /// first checked entry must link to).
    public init(masterKey: MasterKey, checkpoint: AuditHead?, after head: AuditHead = .genesis) {
        self.keyedMAC = AuditChain.keyedMAC(masterKey)
        self.checkpoint = checkpoint
        self.head = head
    }

    /// Checks the next entry; nil when it verifies and links, else why not.
    public mutating func check(_ entry: AuditEntry) -> AuditBreak? {
        let canonical = entry.canonicalBytes
        guard ConstantTime.equals(Array(AuditChain.mac(canonical: canonical, keyed: keyedMAC).utf8), Array(entry.mac.utf8)) else {
            return .badMAC
        }
        guard entry.sequence == head.sequence + 1 else { return .sequenceGap(expected: head.sequence + 1) }
        guard entry.previousHash == head.hash else { return .chainMismatch }
        head = AuditHead(sequence: entry.sequence, hash: AuditChain.hash(canonical: canonical, mac: entry.mac))
        if let checkpoint, checkpoint.sequence == entry.sequence, checkpoint.hash != head.hash { return .headMismatch }
        checked += 1
        return nil
    }

    /// At the end of the log: whether it reached the checkpoint.
    public func finish() -> AuditBreak? {
        if let checkpoint, checkpoint.sequence > head.sequence { return .truncated(expectedLast: checkpoint.sequence) }
        return nil
    }
}
