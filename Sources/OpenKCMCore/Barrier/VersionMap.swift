package import Foundation

/// Names and their record versions: the content of every index record the
/// barrier keeps (a bucket maps paths to versions, a scope root maps buckets to
/// versions, the store root maps scopes to versions).
///
/// Encoded as `u8 format (1) || u32 count || count × (u16 len || name || u64 version)`,
/// names sorted by their bytes, all integers big-endian; sealed like any record.
package struct VersionMap: Equatable, Sendable {
    package var versions: [String: UInt64]

    package init(_ versions: [String: UInt64] = [:]) { self.versions = versions }

    package subscript(_ name: String) -> UInt64? {
        get { versions[name] }
        set { versions[name] = newValue }
    }

    package var isEmpty: Bool { versions.isEmpty }

    package func encoded() -> Data {
        var out = Data()
        out.reserveCapacity(5 + versions.count * 48)
        out.append(1)
        Self.append(UInt64(versions.count), bytes: 4, to: &out)
        for name in versions.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let bytes = Array(name.utf8)
            Self.append(UInt64(bytes.count), bytes: 2, to: &out)
            out.append(contentsOf: bytes)
            Self.append(versions[name]!, bytes: 8, to: &out)
        }
        return out
    }

    /// Refuses anything but the exact encoding (the bytes were authenticated,
    /// so a failure here is a bug or a future format, never silently skipped).
    package init(decoding data: Data, at path: String) throws(BarrierError) {
        let bytes = [UInt8](data)
        var offset = 0
        func read(_ count: Int) throws(BarrierError) -> UInt64 {
            guard offset + count <= bytes.count else { throw .recordCorrupted(key: path) }
            var value: UInt64 = 0
            for byte in bytes[offset..<(offset + count)] { value = value << 8 | UInt64(byte) }
            offset += count
            return value
        }
        guard try read(1) == 1 else { throw .recordCorrupted(key: path) }
        let count = try read(4)
        var versions: [String: UInt64] = [:]
        versions.reserveCapacity(Int(min(count, 1 << 20)))
        for _ in 0..<count {
            let length = Int(try read(2))
            guard offset + length <= bytes.count else { throw .recordCorrupted(key: path) }
            let name = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            versions[name] = try read(8)
        }
        guard offset == bytes.count, versions.count == Int(count) else { throw .recordCorrupted(key: path) }
        self.versions = versions
    }

    private static func append(_ value: UInt64, bytes: Int, to out: inout Data) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
