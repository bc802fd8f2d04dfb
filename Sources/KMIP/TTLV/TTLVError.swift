/// Why bytes are not a well-formed TTLV message. Each case is cheap to reach:
/// the decoder stops at the first problem and never allocates more than the
/// input it was given.
public enum TTLVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the item's header or declared length.
    case truncated(offset: Int)
    case unknownType(UInt8, offset: Int)
    /// A fixed-size type declared the wrong length, or a Big Integer's length is not a multiple of 8.
    case invalidLength(TTLVType, Int, offset: Int)
    /// A Boolean other than 0 or 1, or a Text String that is not UTF-8.
    case invalidValue(TTLVType, offset: Int)
    /// A structure's declared length does not match its items.
    case structureMismatch(offset: Int)
    case tooLarge(Int, limit: Int)
    case tooDeep(limit: Int)
    case tooManyItems(limit: Int)
    /// Bytes after the one top-level item.
    case trailingBytes(offset: Int)

    public var description: String {
        switch self {
        case .truncated(let offset): "the message ends inside an item (byte \(offset))"
        case .unknownType(let type, let offset): "unknown item type 0x\(String(type, radix: 16)) at byte \(offset)"
        case .invalidLength(let type, let length, let offset): "a \(type) cannot be \(length) bytes long (byte \(offset))"
        case .invalidValue(let type, let offset): "invalid \(type) value at byte \(offset)"
        case .structureMismatch(let offset): "a structure's length does not match its items (byte \(offset))"
        case .tooLarge(let size, let limit): "the message is \(size) bytes; the limit is \(limit)"
        case .tooDeep(let limit): "structures are nested deeper than \(limit)"
        case .tooManyItems(let limit): "the message has more than \(limit) items"
        case .trailingBytes(let offset): "bytes after the message (byte \(offset))"
        }
    }
}
