/// A ``TTLVItem`` tree to bytes: big-endian, every value padded with zeros to
/// a multiple of 8 bytes, structure lengths computed from their items.
public enum TTLVEncoder {
    public static func encode(_ item: TTLVItem) -> [UInt8] {
        var out: [UInt8] = []
        append(item, to: &out)
        return out
    }

    private static func append(_ item: TTLVItem, to out: inout [UInt8]) {
        let tag = item.tag.rawValue
        out += [UInt8(tag >> 16 & 0xFF), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF), item.type.rawValue]
        let lengthAt = out.count
        out += [0, 0, 0, 0]
        let start = out.count
        switch item.value {
        case .structure(let children): for child in children { append(child, to: &out) }
        case .integer(let value): appendUInt(UInt64(UInt32(bitPattern: value)), 4, to: &out)
        case .longInteger(let value): appendUInt(UInt64(bitPattern: value), 8, to: &out)
        case .bigInteger(let bytes): out += bytes
        case .enumeration(let value): appendUInt(UInt64(value), 4, to: &out)
        case .boolean(let value): appendUInt(value ? 1 : 0, 8, to: &out)
        case .textString(let text): out += Array(text.utf8)
        case .byteString(let bytes): out += bytes
        case .dateTime(let value), .dateTimeExtended(let value): appendUInt(UInt64(bitPattern: value), 8, to: &out)
        case .interval(let value): appendUInt(UInt64(value), 4, to: &out)
        }
        let length = out.count - start
        out[lengthAt] = UInt8(length >> 24 & 0xFF)
        out[lengthAt + 1] = UInt8(length >> 16 & 0xFF)
        out[lengthAt + 2] = UInt8(length >> 8 & 0xFF)
        out[lengthAt + 3] = UInt8(length & 0xFF)
        out += [UInt8](repeating: 0, count: TTLVDecoder.padded(length) - length)
    }

    private static func appendUInt(_ value: UInt64, _ count: Int, to out: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) { out.append(UInt8(value >> UInt64(shift) & 0xFF)) }
    }
}
