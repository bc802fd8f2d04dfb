/// A random (version 4) UUID as lowercase text, drawn from the system's
/// random number generator in one call (``SystemRandom``). Foundation's `UUID()` opens, reads and closes
/// /dev/urandom on every call on Linux (three system calls, about 3 µs); this
/// is on the path of every request, for correlation ids and object ids.
public enum RandomUUID {
    public static func make() -> String {
        var bytes: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &bytes) { SystemRandom.fill($0) }
        bytes.0 = (bytes.0 & ~(0xF << 12)) | (0x4 << 12)            // version 4
        bytes.1 = (bytes.1 & ~(0x3 << 62)) | (0x2 << 62)            // variant 10
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if index == 8 || index == 12 { text.append(45) }
            text.append(hex[Int((bytes.0 >> UInt64(shift)) & 0xF)])
        }
        for (index, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if index == 0 || index == 4 { text.append(45) }
            text.append(hex[Int((bytes.1 >> UInt64(shift)) & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
