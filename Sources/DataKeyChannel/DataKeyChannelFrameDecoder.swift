public import DataKeyWire
public import NIOCore

/// Splits a data-key channel's byte stream into frames
/// (``DataKeyChannelWire``): each is passed on as a buffer of its own that
/// starts with the frame's kind, and the bytes it was read from are zeroed
/// (frames carry tokens and data keys). The first frame may be at most
/// `firstFrameLimit` bytes, the others `maximumFrameSize`. A length of 0 or
/// past the limit closes the connection (an error): nothing after it can be
/// framed again.
public struct DataKeyChannelFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    private let maximumFrameSize: Int
    private var limit: Int

    public init(maximumFrameSize: Int = DataKeyChannelWire.maximumFrameSize, firstFrameLimit: Int? = nil) {
        self.maximumFrameSize = maximumFrameSize
        self.limit = firstFrameLimit ?? maximumFrameSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let prefix = buffer.getBytes(at: buffer.readerIndex, length: 4) else { return .needMoreData }
        let length = try DataKeyChannelWire.frameLength(prefix, maximum: limit)
        guard buffer.readableBytes >= 4 + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        var frame = context.channel.allocator.buffer(capacity: length)
        buffer.withUnsafeMutableReadableBytes { bytes in
            let taken = UnsafeMutableRawBufferPointer(rebasing: bytes[..<length])
            frame.writeBytes(UnsafeRawBufferPointer(taken))
            taken.initializeMemory(as: UInt8.self, repeating: 0)
        }
        buffer.moveReaderIndex(forwardBy: length)
        limit = maximumFrameSize
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A frame cut short by the peer's close is dropped, never half-answered.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
