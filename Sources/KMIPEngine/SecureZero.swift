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
    mutating func secureZero() {
        withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            #if canImport(Darwin)
            _ = memset_s(base, buffer.count, 0, buffer.count)
            #else
            explicit_bzero(base, buffer.count)
            #endif
        }
    }
}
