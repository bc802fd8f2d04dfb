#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element == UInt8 {
    /// Overwrites the buffer with zeros in a way the optimiser may not remove.
    package mutating func zeroize() {
        withUnsafeMutableBytes { $0.zeroize() }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Zeros these bytes (a `ByteBuffer`'s, through `withUnsafeMutableReadableBytes`) as the array form does.
    package func zeroize() {
        guard let base = baseAddress, count > 0 else { return }
        #if canImport(Darwin)
        _ = memset_s(base, count, 0, count)
        #else
        explicit_bzero(base, count)
        #endif
    }
}
