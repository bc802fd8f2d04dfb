/// How long one data key (L4) seals records before a fresh one is made:
/// fewer wraps at the core, at the price of more records under one key.
/// Records under one key use random 96-bit nonces, so the message limit
/// stays far below GCM's 2^32.
public struct DataKeyReuse: Sendable, Hashable {
    public var maximumMessages: Int
    public var maximumBytes: Int
    public var maximumAge: Duration

    public init(maximumMessages: Int = 1 << 20, maximumBytes: Int = 1 << 32, maximumAge: Duration = .seconds(300)) {
        self.maximumMessages = max(1, min(maximumMessages, 1 << 30))
        self.maximumBytes = max(1, maximumBytes)
        self.maximumAge = maximumAge
    }

    /// A fresh data key for every record.
    public static let never = DataKeyReuse(maximumMessages: 1, maximumBytes: 1, maximumAge: .zero)
}
