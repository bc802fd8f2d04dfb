/// Reading values out of items, liberally: clients in the field send an
/// Integer where an Enumeration is due, so either is read as one.
extension TTLVItem {
    public var enumerationValue: UInt32? {
        switch value {
        case .enumeration(let raw): raw
        case .integer(let raw) where raw >= 0: UInt32(raw)
        default: nil
        }
    }

    public var integerValue: Int32? {
        switch value {
        case .integer(let raw): raw
        case .enumeration(let raw) where raw <= UInt32(Int32.max): Int32(raw)
        default: nil
        }
    }

    public var longIntegerValue: Int64? {
        switch value {
        case .longInteger(let raw): raw
        case .integer(let raw): Int64(raw)
        default: nil
        }
    }

    public var textValue: String? {
        if case .textString(let text) = value { return text }
        return nil
    }

    public var bytesValue: [UInt8]? {
        if case .byteString(let bytes) = value { return bytes }
        return nil
    }

    public var booleanValue: Bool? {
        if case .boolean(let flag) = value { return flag }
        return nil
    }

    public var dateTimeValue: Int64? {
        switch value {
        case .dateTime(let seconds): seconds
        case .dateTimeExtended(let microseconds): microseconds / 1_000_000
        default: nil
        }
    }

    public static func structure(_ tag: TTLVTag, _ children: [TTLVItem]) -> TTLVItem {
        TTLVItem(tag, .structure(children))
    }
}
