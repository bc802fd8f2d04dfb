public import Foundation

/// Which barrier key term seals new records, and whether the records written
/// before it have been re-encrypted under it.
public struct BarrierKeyStatus: Sendable, Codable, Equatable {
    /// The active term: 1 until the first rotation.
    public var activeTerm: UInt32
    /// How many terms still open records (term 1 included until a re-encryption retires it).
    public var terms: Int
    /// When the active term was installed; nil for term 1.
    public var installedAt: Date?
    /// When every older record was re-encrypted under the active term; nil while that is due.
    public var reencryptedAt: Date?
    /// The keyring record's version (0: none yet); it only grows, and the audit log keeps the last one seen.
    public var keyringVersion: UInt64 = 0

    /// Whether records of older terms may remain.
    public var reencryptionDue: Bool { activeTerm > 1 && reencryptedAt == nil }
}
