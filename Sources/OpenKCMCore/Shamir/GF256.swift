/// Arithmetic in GF(2^8) modulo the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B).
///
/// Written without table lookups or data-dependent branches: share values are
/// secret, and lookup tables indexed by secrets leak through the cache.
enum GF256 {
    @inline(__always)
    static func add(_ a: UInt8, _ b: UInt8) -> UInt8 { a ^ b }

    @inline(__always)
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var product: UInt8 = 0
        for _ in 0..<8 {
            product ^= a & (0 &- (b & 1))
            let carry = 0 &- (a >> 7)
            a = (a << 1) ^ (0x1B & carry)
            b >>= 1
        }
        return product
    }

    /// The multiplicative inverse as a^254 (fixed square-and-multiply chain); 0 maps to 0.
    static func inverse(_ a: UInt8) -> UInt8 {
        let a2 = multiply(a, a)
        let a3 = multiply(a2, a)
        let a6 = multiply(a3, a3)
        let a12 = multiply(a6, a6)
        let a15 = multiply(a12, a3)
        let a30 = multiply(a15, a15)
        let a60 = multiply(a30, a30)
        let a63 = multiply(a60, a3)
        let a126 = multiply(a63, a63)
        let a127 = multiply(a126, a)
        return multiply(a127, a127)  // a^254
    }
}
