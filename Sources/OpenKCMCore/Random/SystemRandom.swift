package import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes from the kernel's random number generator, one system call for up
/// to 256 of them.
///
/// swift-crypto's `AES.GCM.Nonce()` and `SymmetricKey(size:)` draw through
/// `SystemRandomNumberGenerator`, which asks the kernel 8 bytes at a time:
/// two `getrandom` calls per nonce and four per 256-bit key, each 0.4 µs or
/// more here (most of it the kernel's per-call set-up, not the bytes). The bytes
/// come from the same generator; only the number of calls changes. Nothing
/// is kept between calls, so no random bytes are buffered in the process
/// (a forked child could not replay a nonce).
package enum SystemRandom {
    /// The most `getentropy` gives in one call.
    static let chunk = 256

    /// Fills `buffer` with random bytes.
    package static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var base = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let count = min(remaining, chunk)
            if getentropy(base, count) != 0 {
                // getentropy fails only on a kernel without getrandom; the standard library's generator still works there.
                var generator = SystemRandomNumberGenerator()
                for index in 0..<count { base.storeBytes(of: generator.next() as UInt8, toByteOffset: index, as: UInt8.self) }
            }
            base += count
            remaining -= count
        }
    }

    /// A fresh 256-bit key, drawn in one call; the stack copy is zeroed.
    package static func symmetricKey() -> SymmetricKey {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { buffer in
            defer { buffer.zeroize() }
            fill(buffer)
            return SymmetricKey(data: UnsafeRawBufferPointer(buffer))
        }
    }

    /// A fresh 96-bit AES-GCM nonce, drawn in one call.
    package static func nonce() -> AES.GCM.Nonce {
        var bytes: (UInt64, UInt32) = (0, 0)
        return withUnsafeMutableBytes(of: &bytes) { buffer in
            let twelve = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<12])
            fill(twelve)
            // 12 bytes are always a valid GCM nonce: the fallback is never taken.
            return (try? AES.GCM.Nonce(data: UnsafeRawBufferPointer(twelve))) ?? AES.GCM.Nonce()
        }
    }

    /// `count` fresh 96-bit AES-GCM nonces, drawn together (one call per 21).
    package static func nonces(_ count: Int) -> [AES.GCM.Nonce] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count * 12)
        bytes.withUnsafeMutableBytes { fill($0) }
        // A 12-byte slice is always a valid GCM nonce: the fallback is never taken.
        return (0..<count).map { index in (try? AES.GCM.Nonce(data: bytes[index * 12 ..< index * 12 + 12])) ?? AES.GCM.Nonce() }
    }
}
