public import OpenKCMCore

/// Why the audit log refused an entry, or refused to open. Any of these
/// refuses the operation that wanted the entry.
public enum AuditLogError: OpenKCMError, Equatable {
    case sealed
    /// A write or fsync failed (a full disk, an I/O error). Appends are
    /// refused while it lasts; the log tries again by itself.
    case unwritable(String)
    /// The log on disk does not continue the chain this server wrote: entries
    /// were cut off, the log was regrown after a cut, replaced, or edited. The
    /// server does not unseal over it.
    case chainBroken(String)

    public var code: String {
        switch self {
        case .sealed: "audit.sealed"
        case .unwritable: "audit.unwritable"
        case .chainBroken: "audit.chain_broken"
        }
    }

    public var description: String {
        switch self {
        case .sealed: "the audit log is closed while the server is sealed"
        case .unwritable(let reason): "the audit log cannot be written (\(reason)); operations are refused until it can"
        case .chainBroken(let reason): "the audit log's chain is broken: \(reason)"
        }
    }
}
