/// Why a batch body could not be read or written.
public enum DataKeyWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body does not start with the expected four bytes.
    case badMagic
    /// A field runs past the end of the body.
    case truncated
    /// Bytes follow the last item.
    case trailingBytes(count: Int)
    /// More items than ``DataKeyBatchWire/maximumItems``, or none.
    case itemCount(Int)
    /// An outcome tag other than 0 (value) or 1 (problem).
    case unknownOutcome(UInt8)
    /// A field longer than its u16 length can say.
    case fieldTooLong(field: String, length: Int)
    /// A channel frame announces a length of 0 or more than ``DataKeyChannelWire/maximumFrameSize``.
    case frameSize(Int)
    /// A text field (a hello's token, tenant or service) is not UTF-8.
    case invalidText

    public var description: String {
        switch self {
        case .badMagic: "the body is not an OpenKCM data-key batch"
        case .truncated: "the batch body ends inside a field"
        case .trailingBytes(let count): "\(count) bytes follow the last batch item"
        case .itemCount(let count): "a batch holds 1 to \(DataKeyBatchWire.maximumItems) items, got \(count)"
        case .unknownOutcome(let tag): "unknown batch outcome tag \(tag)"
        case .fieldTooLong(let field, let length): "'\(field)' is \(length) bytes, more than a batch field holds"
        case .frameSize(let length): "a channel frame of \(length) bytes (1 to \(DataKeyChannelWire.maximumFrameSize) are allowed)"
        case .invalidText: "a text field is not UTF-8"
        }
    }
}
