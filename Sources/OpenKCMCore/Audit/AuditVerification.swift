/// The result of ``AuditVerifier/verify(_:checkpoint:)``.
public enum AuditVerification: Sendable, Hashable {
    case intact(entries: UInt64, head: AuditHead)
    /// `position` is the 1-based line in the log; `sequence` what that entry claims.
    case broken(position: Int, sequence: UInt64, reason: AuditBreak)

    public var isIntact: Bool {
        if case .intact = self { true } else { false }
    }
}
