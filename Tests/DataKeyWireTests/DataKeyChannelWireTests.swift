import DataKeyWire
import Testing

@Suite struct DataKeyChannelWireTests {
    /// The hello of docs/api.md, byte for byte: token "t", tenant "a", service "s".
    static let helloVector: [UInt8] = [0x00, 0x00, 0x00, 0x0E, 0x01] + Array("OKC1".utf8)
        + [0x00, 0x01, 0x74] + [0x00, 0x01, 0x61] + [0x00, 0x01, 0x73]
    /// A refusal 401 "c" / "d".
    static let refusalVector: [UInt8] = [0x00, 0x00, 0x00, 0x09, 0xFF] + [0x01, 0x91, 0x00, 0x01, 0x63, 0x00, 0x01, 0x64]

    @Test func theHelloLayoutMatchesItsVector() throws {
        let hello = DataKeyChannelWire.Hello(token: "t", tenant: "a", service: "s")
        #expect(try hello.frame() == Self.helloVector)
        #expect(try DataKeyChannelWire.frameLength(Self.helloVector) == Self.helloVector.count - 4)
        #expect(try DataKeyChannelWire.Hello(decoding: Array(Self.helloVector.dropFirst(5))) == hello)
    }

    @Test func theRefusalLayoutMatchesItsVector() throws {
        let refusal = DataKeyChannelWire.Refusal(status: 401, code: "c", detail: "d")
        #expect(refusal.frame() == Self.refusalVector)
        #expect(try DataKeyChannelWire.Refusal(decoding: Array(Self.refusalVector.dropFirst(5))) == refusal)
    }

    @Test func aBatchFrameIsItsHeaderThenTheBatchBody() {
        #expect(DataKeyChannelWire.header(.wrap, payloadCount: 300) == [0x00, 0x00, 0x01, 0x2D, 0x02])
        #expect(DataKeyChannelWire.header(.ready, payloadCount: 0) == [0x00, 0x00, 0x00, 0x01, 0x81])
    }

    @Test func framesOfNoLengthOrPastTheLimitAreRefused() throws {
        #expect(throws: DataKeyWireError.frameSize(0)) { try DataKeyChannelWire.frameLength([0, 0, 0, 0]) }
        #expect(throws: DataKeyWireError.frameSize(Int(UInt32.max))) { try DataKeyChannelWire.frameLength([0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(throws: DataKeyWireError.truncated) { try DataKeyChannelWire.frameLength([0, 0, 1]) }
        #expect(try DataKeyChannelWire.frameLength([0x00, 0x10, 0x00, 0x01]) == DataKeyChannelWire.maximumFrameSize)
        #expect(throws: DataKeyWireError.self) { try DataKeyChannelWire.frameLength([0x00, 0x10, 0x00, 0x02]) }
        #expect(throws: DataKeyWireError.frameSize(20_000)) {
            try DataKeyChannelWire.frameLength([0x00, 0x00, 0x4E, 0x20], maximum: DataKeyChannelWire.maximumHelloFrameSize)
        }
    }

    @Test func everyCutOfAHelloIsRefusedAndTextMustBeUTF8() throws {
        let payload = Array(Self.helloVector.dropFirst(5))
        for end in 0..<payload.count {
            #expect(throws: DataKeyWireError.self) { try DataKeyChannelWire.Hello(decoding: Array(payload[..<end])) }
        }
        var invalid = payload
        invalid[6] = 0xFF  // the token's one byte
        #expect(throws: DataKeyWireError.invalidText) { try DataKeyChannelWire.Hello(decoding: invalid) }
        #expect(throws: DataKeyWireError.badMagic) { try DataKeyChannelWire.Hello(decoding: Array("OKB1".utf8) + payload.dropFirst(4)) }
        #expect(throws: DataKeyWireError.trailingBytes(count: 1)) { try DataKeyChannelWire.Hello(decoding: payload + [0]) }
    }

    @Test func aLongRefusalIsCutNotLost() throws {
        let refusal = DataKeyChannelWire.Refusal(status: 503, code: "c", detail: String(repeating: "x", count: 5000))
        let frame = refusal.frame()
        let decoded = try DataKeyChannelWire.Refusal(decoding: Array(frame.dropFirst(5)))
        #expect(decoded.status == 503 && decoded.detail.utf8.count == 1024)
    }
}
