/// What compromising an L3 version did.
public struct ServiceKeyCompromise: Sendable, Hashable, Codable {
    public var version: UInt32
    /// The new current version, when the compromised one was current.
    public var rotatedTo: UInt32?
    /// Whether it still opens the data keys it wrapped (unwrap only) until
    /// closed: false when it could not open them anyway (already below the
    /// minimum decryption version, or deactivated away).
    public var stillOpens: Bool
}
