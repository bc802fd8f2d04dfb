/// Cuts a byte stream (a TLS connection) into whole TTLV messages, however the
/// bytes arrive: whole, in pieces, or one at a time. A declared length over
/// the limit is refused as soon as its 8-byte header is in, before the body
/// is waited for or buffered.
public struct TTLVFramer: Sendable {
    public let limits: TTLVLimits
    private var buffer: [UInt8] = []

    public init(limits: TTLVLimits = .default) {
        self.limits = limits
    }

    /// Bytes received and not yet returned as a message.
    public var bufferedCount: Int { buffer.count }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message's bytes, or nil until all of it is in.
    public mutating func nextMessage() throws(TTLVError) -> [UInt8]? {
        guard let length = TTLVDecoder.messageLength(header: buffer.prefix(8)) else { return nil }
        guard length <= limits.maximumMessageSize else { throw .tooLarge(length, limit: limits.maximumMessageSize) }
        guard buffer.count >= length else { return nil }
        let message = Array(buffer[..<length])
        buffer.removeFirst(length)
        return message
    }
}
