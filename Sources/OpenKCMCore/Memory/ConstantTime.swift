/// Comparisons whose time does not depend on where secrets differ.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Time depends only on the lengths.
    public static func equals<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
