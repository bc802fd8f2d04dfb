#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros in a way the optimizer may not remove
    /// (explicit_bzero / memset_s), for plaintext that must not linger. The
    /// same as OpenKCMCore's `zeroize()`: this target links no OpenKCM target,
    /// so that the gateway can use it without the core.
    package mutating func secureZero() {
        withUnsafeMutableBytes { $0.secureZero() }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Zeros these bytes (a `ByteBuffer`'s, through `withUnsafeMutableReadableBytes`) as the array form does.
    package func secureZero() {
        guard let base = baseAddress, count > 0 else { return }
        #if canImport(Darwin)
        _ = memset_s(base, count, 0, count)
        #else
        explicit_bzero(base, count)
        #endif
    }
}
