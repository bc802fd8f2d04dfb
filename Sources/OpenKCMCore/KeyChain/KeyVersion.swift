public import Foundation

/// One version of a versioned key (L2.1 or L3) as stored: its state and its
/// wrapped bytes, never the key itself.
public struct KeyVersion: Sendable, Hashable, Codable {
    public let version: UInt32
    public internal(set) var state: KeyState
    /// The envelope holding this version, wrapped by version ``parentVersion``
    /// of the layer above. Nil once destroyed: the bytes are gone.
    public internal(set) var wrapped: Data?
    /// The version of the wrapping key (L2 generation for L2.1, L2.1 version for L3).
    public let parentVersion: UInt32
    public let createdAt: Date
    /// How many wraps (random GCM nonces) servers have reserved under this
    /// version; nil for versions that never wrap data keys.
    public internal(set) var reservedWraps: UInt64?
    /// For a Compromised L3 version: true while it still opens the data keys
    /// it wrapped (unwrap only), so applications can rewrap them under the
    /// current version; cleared when the operator closes it. Nil otherwise.
    public internal(set) var stillOpens: Bool? = nil
}
