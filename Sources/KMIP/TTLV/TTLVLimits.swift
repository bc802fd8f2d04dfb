/// Bounds that keep hostile input cheap to refuse.
public struct TTLVLimits: Hashable, Sendable {
    /// The largest message, header included.
    public var maximumMessageSize: Int
    /// How deep structures may nest (a KMIP message needs well under 16).
    public var maximumDepth: Int
    /// How many items a message may hold in all.
    public var maximumItems: Int

    public init(maximumMessageSize: Int = 1 << 20, maximumDepth: Int = 32, maximumItems: Int = 65_536) {
        self.maximumMessageSize = maximumMessageSize
        self.maximumDepth = maximumDepth
        self.maximumItems = maximumItems
    }

    public static let `default` = TTLVLimits()
}
