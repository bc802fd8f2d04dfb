import Foundation

/// Reads a backup file front to back, never past its end.
struct BackupReader {
    private let data: Data
    private var offset: Int

    init(_ data: Data) {
        self.data = data
        self.offset = data.startIndex
    }

    var isAtEnd: Bool { offset == data.endIndex }

    var rest: Data { data[offset...] }

    mutating func take(_ count: Int) -> Data? {
        guard count >= 0, data.endIndex - offset >= count else { return nil }
        defer { offset += count }
        return Data(data[offset..<offset + count])
    }

    mutating func uint32() -> UInt32? {
        take(4).map { bytes in bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    }
}
