import KMIPEngine
import NIOCore
import NIOEmbedded
import Testing

/// Silent KMIP connections are closed: no first message within 30 s, or no message for 15 minutes after an answer.
@Suite struct KMIPConnectionTimeoutsTests {
    @Test func aConnectionThatNeverSpeaksIsClosed() throws {
        let channel = EmbeddedChannel(handler: KMIPConnectionTimeouts(firstMessage: .seconds(30), idle: .minutes(15)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5696)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func answeredConnectionsStayOpenUntilIdle() throws {
        let channel = EmbeddedChannel(handler: KMIPConnectionTimeouts(firstMessage: .seconds(30), idle: .minutes(15)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5696)).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        try channel.writeInbound(ByteBuffer(bytes: [1]))
        // A slow answer is not cut off.
        channel.embeddedEventLoop.advanceTime(by: .minutes(1))
        #expect(channel.isActive)
        try channel.writeOutbound(ByteBuffer(bytes: [2]))
        channel.embeddedEventLoop.advanceTime(by: .minutes(14))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .minutes(2))
        #expect(!channel.isActive)
    }
}
