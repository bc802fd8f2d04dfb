/// What kind of secret an envelope holds; written into every blob and bound
/// into its associated data, so a blob cannot be replayed as another layer.
public enum EnvelopeLayer: UInt8, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// The server's MasterKey, wrapped by one seal keystore (auto-unseal).
    case masterKey = 0x01
    /// One Shamir share of the MasterKey, wrapped by its own keystore.
    case masterKeyShare = 0x02
    /// A record stored through the barrier (not a key).
    case barrierRecord = 0x0B
    /// A tenant root, wrapped by the tenant's L1.
    case l2 = 0x20
    /// A versioned tenant key, wrapped by the tenant root.
    case l2_1 = 0x21
    /// A service key version, wrapped by one L2.1 version.
    case l3 = 0x30
    /// A data key, wrapped by one L3 version.
    case l4 = 0x40
    /// A data key bound to a subject: wrapped by a key derived from one L3
    /// version and the subject's secret, so destroying the subject's secret
    /// shreds it. A layer of its own so the blob says it needs a subject.
    case l4Subject = 0x41

    public var description: String {
        switch self {
        case .masterKey: "MasterKey"
        case .masterKeyShare: "MasterKey share"
        case .barrierRecord: "barrier record"
        case .l2: "L2"
        case .l2_1: "L2.1"
        case .l3: "L3"
        case .l4: "L4"
        case .l4Subject: "L4 subject"
        }
    }
}
