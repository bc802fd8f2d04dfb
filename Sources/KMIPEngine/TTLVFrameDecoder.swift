import KMIP
public import NIOCore

/// Cuts the TLS byte stream into whole TTLV messages. A declared length over
/// the limit closes the connection as soon as its 8-byte header is in.
public struct TTLVFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    let maximumMessageSize: Int

    public init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 8),
              let length = TTLVDecoder.messageLength(header: header)
        else { return .needMoreData }
        guard length <= maximumMessageSize else { throw TTLVError.tooLarge(length, limit: maximumMessageSize) }
        guard let message = buffer.readSlice(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }
}
