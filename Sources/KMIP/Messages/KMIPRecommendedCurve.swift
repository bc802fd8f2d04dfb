/// Recommended Curve (the values of the curves served).
public enum KMIPRecommendedCurve: UInt32, Sendable, Hashable, CaseIterable {
    case p256 = 0x00000007
    case p384 = 0x0000000A
}
