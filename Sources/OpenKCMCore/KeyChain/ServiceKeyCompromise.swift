/// What compromising an L3 version did.
public struct ServiceKeyCompromise: Sendable, Hashable, Codable {
    public var version: UInt32
    /// The new current version, when the compromised one was current.
    public var rotatedTo: UInt32?
    /// Whether it still opens the data keys it wrapped (unwrap only) until
    /// closed: false when it could not open them anyway (already below the
    /// minimum decryption version, or deactivated away).
    public var stillOpens: Bool
    /// KMIP objects of the service whose L4 moved off the version at once
    /// (their material stays sealed under the same L4); nil when the server
    /// did not get to them (the rotation schedule's next pass does).
    public var kmipObjectsRewrapped: Int?

    public init(version: UInt32, rotatedTo: UInt32?, stillOpens: Bool, kmipObjectsRewrapped: Int? = nil) {
        self.version = version
        self.rotatedTo = rotatedTo
        self.stillOpens = stillOpens
        self.kmipObjectsRewrapped = kmipObjectsRewrapped
    }
}
