/// What compromising an L2.1 version did: the rotation it needed, and the L3 versions it moved away from it.
public struct TenantKeyCompromise: Sendable, Hashable, Codable {
    public var version: UInt32
    /// The new current version, when the compromised one was current.
    public var rotatedTo: UInt32?
    /// L3 versions the compromised version wrapped, now wrapped by the current one.
    public var rewrappedServiceKeys: Int
    /// L3 versions it wrapped that could not be opened (below a minimum decryption version, or not in a state that unwraps): left as they are.
    public var skippedServiceKeys: Int
}
