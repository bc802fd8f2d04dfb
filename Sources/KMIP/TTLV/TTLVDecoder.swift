/// Bytes to a ``TTLVItem`` tree (KMIP 1.0 section 9.1). Every length is checked
/// against the bytes actually present before anything is read or allocated,
/// and the ``TTLVLimits`` bound the message size, nesting and item count.
public struct TTLVDecoder: Sendable {
    public var limits: TTLVLimits

    public init(limits: TTLVLimits = .default) {
        self.limits = limits
    }

    /// Decodes exactly one top-level item; bytes after it are an error.
    public func decode(_ bytes: some Collection<UInt8>) throws(TTLVError) -> TTLVItem {
        guard bytes.count <= limits.maximumMessageSize else { throw .tooLarge(bytes.count, limit: limits.maximumMessageSize) }
        var reader = Reader(bytes: Array(bytes), limits: limits)
        let (item, next) = try reader.item(at: 0, end: reader.bytes.count, depth: 1)
        guard next == reader.bytes.count else { throw .trailingBytes(offset: next) }
        return item
    }

    /// The whole length of the message that starts with `header` (its first 8
    /// bytes), or nil while fewer than 8 bytes are there. For framing a stream.
    public static func messageLength(header: some Collection<UInt8>) -> Int? {
        guard header.count >= 8 else { return nil }
        let bytes = Array(header.prefix(8))
        let length = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        return 8 + Self.padded(length)
    }

    static func padded(_ length: Int) -> Int { (length + 7) & ~7 }

    private struct Reader {
        let bytes: [UInt8]
        let limits: TTLVLimits
        var items = 0

        init(bytes: [UInt8], limits: TTLVLimits) {
            self.bytes = bytes
            self.limits = limits
        }

        mutating func item(at offset: Int, end: Int, depth: Int) throws(TTLVError) -> (TTLVItem, Int) {
            items += 1
            guard items <= limits.maximumItems else { throw .tooManyItems(limit: limits.maximumItems) }
            guard depth <= limits.maximumDepth else { throw .tooDeep(limit: limits.maximumDepth) }
            guard end - offset >= 8 else { throw .truncated(offset: offset) }
            let tag = TTLVTag(UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]))
            guard let type = TTLVType(rawValue: bytes[offset + 3]) else { throw .unknownType(bytes[offset + 3], offset: offset + 3) }
            let length = Int(readUInt(offset + 4, 4))
            if let fixed = type.fixedLength, length != fixed { throw .invalidLength(type, length, offset: offset + 4) }
            let start = offset + 8
            let next = start + TTLVDecoder.padded(length)
            guard next <= end else { throw .truncated(offset: offset) }

            let value: TTLVValue
            switch type {
            case .structure:
                guard length % 8 == 0 else { throw .structureMismatch(offset: offset) }
                var children: [TTLVItem] = []
                var cursor = start
                while cursor < start + length {
                    let (child, after) = try item(at: cursor, end: start + length, depth: depth + 1)
                    children.append(child)
                    cursor = after
                }
                guard cursor == start + length else { throw .structureMismatch(offset: offset) }
                value = .structure(children)
            case .integer: value = .integer(Int32(bitPattern: UInt32(readUInt(start, 4))))
            case .longInteger: value = .longInteger(Int64(bitPattern: readUInt(start, 8)))
            case .bigInteger:
                guard length > 0, length % 8 == 0 else { throw .invalidLength(type, length, offset: offset + 4) }
                value = .bigInteger(Array(bytes[start..<(start + length)]))
            case .enumeration: value = .enumeration(UInt32(readUInt(start, 4)))
            case .boolean:
                let raw = readUInt(start, 8)
                guard raw <= 1 else { throw .invalidValue(type, offset: start) }
                value = .boolean(raw == 1)
            case .textString:
                guard let text = String(validating: bytes[start..<(start + length)], as: UTF8.self) else {
                    throw .invalidValue(type, offset: start)
                }
                value = .textString(text)
            case .byteString: value = .byteString(Array(bytes[start..<(start + length)]))
            case .dateTime: value = .dateTime(Int64(bitPattern: readUInt(start, 8)))
            case .interval: value = .interval(UInt32(readUInt(start, 4)))
            case .dateTimeExtended: value = .dateTimeExtended(Int64(bitPattern: readUInt(start, 8)))
            }
            return (TTLVItem(tag, value), next)
        }

        func readUInt(_ offset: Int, _ count: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in offset..<(offset + count) { value = value << 8 | UInt64(bytes[index]) }
            return value
        }
    }
}
