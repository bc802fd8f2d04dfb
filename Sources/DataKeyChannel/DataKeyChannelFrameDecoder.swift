public import DataKeyWire
public import NIOCore

/// Splits a data-key channel's byte stream into frames
/// (``DataKeyChannelWire``): each is passed on as one buffer that starts
/// with the frame's kind. A length of 0 or past the limit closes the
/// connection (an error): nothing after it can be framed again.
public struct DataKeyChannelFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let prefix = buffer.getBytes(at: buffer.readerIndex, length: 4) else { return .needMoreData }
        let length = try DataKeyChannelWire.frameLength(prefix)
        guard buffer.readableBytes >= 4 + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: length)!))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A frame cut short by the peer's close is dropped, never half-answered.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
