public import NIOCore

extension NIOAsyncChannel where Inbound == ByteBuffer, Outbound == ByteBuffer {
    /// A listener's child connection (KMIP, the data-key channel), reading at most
    /// `highWatermark` frames ahead. Closed when it is dropped unconsumed: a
    /// server's accept loop cancelled at shutdown drops the connections still
    /// buffered in its inbound sequence, and a connection wrapped the
    /// recommended way (`wrappingChannelSynchronously`) stops the process with a
    /// precondition failure when that happens. Every connection the loop takes
    /// is still ended explicitly, by `executeThenClose`.
    public static func listenerConnection(_ channel: any Channel, highWatermark: Int) throws -> NIOAsyncChannel {
        try NIOAsyncChannel(
            synchronouslyWrapping: channel, configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: highWatermark)))
    }
}
