import Crypto
import Foundation

/// Checks an audit log entry by entry and reports the first one that breaks the chain.
public struct AuditVerifier: Sendable {
    private let keyedMAC: HMAC<SHA256>

    public init(masterKey: MasterKey) {
        self.keyedMAC = AuditChain.keyedMAC(masterKey)
    }

    /// Verifies `entries` in stored order. With `checkpoint` (the head kept
    /// in sealed storage), the log must reach that entry and hold it unchanged,
    /// so entries removed from the end are caught as well.
    public func verify<Entries: Sequence<AuditEntry>>(_ entries: Entries, checkpoint: AuditHead? = nil) -> AuditVerification {
        var previous = AuditHead.genesis
        var count: UInt64 = 0
        for (index, entry) in entries.enumerated() {
            let position = index + 1
            let canonical = entry.canonicalBytes
            guard ConstantTime.equals(Array(AuditChain.mac(canonical: canonical, keyed: keyedMAC).utf8), Array(entry.mac.utf8)) else {
                return .broken(position: position, sequence: entry.sequence, reason: .badMAC)
            }
            guard entry.sequence == previous.sequence + 1 else {
                return .broken(position: position, sequence: entry.sequence, reason: .sequenceGap(expected: previous.sequence + 1))
            }
            guard entry.previousHash == previous.hash else {
                return .broken(position: position, sequence: entry.sequence, reason: .chainMismatch)
            }
            previous = AuditHead(sequence: entry.sequence, hash: AuditChain.hash(canonical: canonical, mac: entry.mac))
            if let checkpoint, checkpoint.sequence == entry.sequence, checkpoint.hash != previous.hash {
                return .broken(position: position, sequence: entry.sequence, reason: .headMismatch)
            }
            count += 1
        }
        if let checkpoint, checkpoint.sequence > previous.sequence {
            return .broken(position: Int(count) + 1, sequence: previous.sequence + 1, reason: .truncated(expectedLast: checkpoint.sequence))
        }
        return .intact(entries: count, head: previous)
    }
}

/// The result of ``AuditVerifier/verify(_:checkpoint:)``.
public enum AuditVerification: Sendable, Hashable {
    case intact(entries: UInt64, head: AuditHead)
    /// `position` is the 1-based line in the log; `sequence` what that entry claims.
    case broken(position: Int, sequence: UInt64, reason: AuditBreak)

    public var isIntact: Bool {
        if case .intact = self { true } else { false }
    }
}

/// Why a chain is broken.
public enum AuditBreak: Sendable, Hashable, CustomStringConvertible {
    /// The entry's contents do not match its MAC: edited, or forged without the key.
    case badMAC
    /// Entries are missing or out of order before this one.
    case sequenceGap(expected: UInt64)
    /// The entry does not link to the one before it.
    case chainMismatch
    /// Entries after this point were removed.
    case truncated(expectedLast: UInt64)
    /// The entry at the stored checkpoint is not the one that was checkpointed.
    case headMismatch

    public var description: String {
        switch self {
        case .badMAC: "entry does not match its MAC (edited or forged)"
        case .sequenceGap(let expected): "expected sequence \(expected) here (entries deleted, inserted or reordered)"
        case .chainMismatch: "entry does not link to the previous entry (deleted, inserted or reordered)"
        case .truncated(let last): "log ends early; the last entry should be \(last) (entries removed from the end)"
        case .headMismatch: "entry differs from the checkpoint kept in sealed storage"
        }
    }
}
