/// How many L4 wraps one L3 version may perform, and how many a server
/// reserves at a time.
///
/// Every wrap is AES-GCM with a random 96-bit nonce. NIST SP 800-38D (8.3)
/// allows at most 2^32 such seals per key; the default budget stops at 2^31 to
/// keep the collision probability far below that bound's 2^-32. Reservations
/// are written before use, so a crash or restart only ever over-counts.
public struct NonceLimits: Sendable, Hashable {
    /// Wraps one L3 version may ever perform before it is rotated.
    public var wrapsPerVersion: UInt64
    /// Wraps reserved per write to the service record.
    public var wrapsPerLease: UInt64

    public init(wrapsPerVersion: UInt64 = 1 << 31, wrapsPerLease: UInt64 = 1 << 20) {
        self.wrapsPerVersion = wrapsPerVersion
        self.wrapsPerLease = min(wrapsPerLease, wrapsPerVersion)
    }
}
