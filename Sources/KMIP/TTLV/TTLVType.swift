/// The item types of TTLV encoding (KMIP 1.0 section 9.1.1.2; Date-Time
/// Extended since KMIP 2.0).
public enum TTLVType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case structure = 0x01
    case integer = 0x02
    case longInteger = 0x03
    case bigInteger = 0x04
    case enumeration = 0x05
    case boolean = 0x06
    case textString = 0x07
    case byteString = 0x08
    case dateTime = 0x09
    case interval = 0x0A
    case dateTimeExtended = 0x0B

    public var description: String {
        switch self {
        case .structure: "Structure"
        case .integer: "Integer"
        case .longInteger: "Long Integer"
        case .bigInteger: "Big Integer"
        case .enumeration: "Enumeration"
        case .boolean: "Boolean"
        case .textString: "Text String"
        case .byteString: "Byte String"
        case .dateTime: "Date-Time"
        case .interval: "Interval"
        case .dateTimeExtended: "Date-Time Extended"
        }
    }

    /// The length a fixed-size type must declare, or nil for variable-length types.
    var fixedLength: Int? {
        switch self {
        case .integer, .enumeration, .interval: 4
        case .longInteger, .boolean, .dateTime, .dateTimeExtended: 8
        case .structure, .bigInteger, .textString, .byteString: nil
        }
    }
}
