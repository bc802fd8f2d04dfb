/// One TTLV item: a tag and a typed value; a structure holds further items.
/// This is the tree between the bytes and KMIP's typed messages.
public struct TTLVItem: Hashable, Sendable {
    public var tag: TTLVTag
    public var value: TTLVValue

    public init(_ tag: TTLVTag, _ value: TTLVValue) {
        self.tag = tag
        self.value = value
    }

    public var type: TTLVType { value.type }

    /// The children of a structure; empty for any other item.
    public var children: [TTLVItem] {
        if case .structure(let items) = value { return items }
        return []
    }

    /// The first child with `tag`.
    public subscript(_ tag: TTLVTag) -> TTLVItem? {
        children.first { $0.tag == tag }
    }

    /// Every child with `tag`, in order.
    public func all(_ tag: TTLVTag) -> [TTLVItem] {
        children.filter { $0.tag == tag }
    }
}

/// A TTLV value, by type.
public enum TTLVValue: Hashable, Sendable {
    case structure([TTLVItem])
    case integer(Int32)
    case longInteger(Int64)
    /// Two's complement, big-endian, a multiple of 8 bytes.
    case bigInteger([UInt8])
    case enumeration(UInt32)
    case boolean(Bool)
    case textString(String)
    case byteString([UInt8])
    /// Seconds since the Unix epoch.
    case dateTime(Int64)
    /// Seconds.
    case interval(UInt32)
    /// Microseconds since the Unix epoch (KMIP 2.0 and later).
    case dateTimeExtended(Int64)

    public var type: TTLVType {
        switch self {
        case .structure: .structure
        case .integer: .integer
        case .longInteger: .longInteger
        case .bigInteger: .bigInteger
        case .enumeration: .enumeration
        case .boolean: .boolean
        case .textString: .textString
        case .byteString: .byteString
        case .dateTime: .dateTime
        case .interval: .interval
        case .dateTimeExtended: .dateTimeExtended
        }
    }
}
