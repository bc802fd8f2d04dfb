/// Why the barrier refused an operation.
public enum BarrierError: OpenKCMError, Equatable {
    /// The server is sealed: no MasterKey is in memory.
    case sealed
    /// A record failed to decrypt or parse: tampered, moved to another key, or written under another MasterKey.
    case recordCorrupted(key: String)
    /// A MasterKey must be exactly 256 bits.
    case invalidMasterKey(bitCount: Int)

    public var code: String {
        switch self {
        case .sealed: "barrier.sealed"
        case .recordCorrupted: "barrier.record_corrupted"
        case .invalidMasterKey: "barrier.invalid_master_key"
        }
    }

    public var description: String {
        switch self {
        case .sealed: "the server is sealed"
        case .recordCorrupted(let key): "stored record '\(key)' failed authentication (tampered, moved, or from another MasterKey)"
        case .invalidMasterKey(let bits): "a MasterKey is 256 bits, got \(bits)"
        }
    }
}
