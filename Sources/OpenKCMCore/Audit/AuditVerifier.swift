/// Checks a whole audit log held in memory and reports the first entry that
/// breaks the chain. Logs on disk are checked segment by segment with
/// ``AuditChainCheck`` instead.
public struct AuditVerifier: Sendable {
    private let masterKey: MasterKey

    public init(masterKey: MasterKey) {
        self.masterKey = masterKey
    }

    /// Verifies `entries` in stored order. With `checkpoint` (the head kept
    /// in sealed storage), the log must reach that entry and hold it unchanged,
    /// so entries removed from the end are caught as well.
    public func verify<Entries: Sequence<AuditEntry>>(_ entries: Entries, checkpoint: AuditHead? = nil) -> AuditVerification {
        var check = AuditChainCheck(masterKey: masterKey, checkpoint: checkpoint)
        for (index, entry) in entries.enumerated() {
            if let reason = check.check(entry) { return .broken(position: index + 1, sequence: entry.sequence, reason: reason) }
        }
        if let reason = check.finish() {
            return .broken(position: Int(check.checked) + 1, sequence: check.head.sequence + 1, reason: reason)
        }
        return .intact(entries: check.checked, head: check.head)
    }
}
