import DataKeyWire
import Testing

@Suite struct DataKeyBatchWireTests {
    /// The layout of docs/api.md, byte for byte: one 2-byte "key", context {"a": "b"}.
    static let requestVector: [UInt8] = Array("OKB1".utf8) + [0x00, 0x01] + [0x00, 0x02, 0xAA, 0xBB]
        + [0x00, 0x01, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62]
    /// A value (0x01 0x02), then a problem 400 "c" / "d".
    static let answerVector: [UInt8] = Array("OKA1".utf8) + [0x00, 0x02] + [0x00, 0x00, 0x02, 0x01, 0x02]
        + [0x01, 0x01, 0x90, 0x00, 0x01, 0x63, 0x00, 0x01, 0x64]

    @Test func theRequestLayoutMatchesItsVector() throws {
        let context = try DataKeyBatchWire.canonicalContext(["a": "b"])
        let request = DataKeyBatchRequest(items: [.init(value: [0xAA, 0xBB], context: context[...])])
        #expect(try request.encoded() == Self.requestVector)
        let decoded = try DataKeyBatchRequest(decoding: Self.requestVector)
        #expect(decoded.items.count == 1)
        #expect(Array(decoded.items[0].value) == [0xAA, 0xBB])
        #expect(Array(decoded.items[0].context) == context)
    }

    @Test func theAnswerLayoutMatchesItsVector() throws {
        let answer = DataKeyBatchAnswer(outcomes: [.value([1, 2]), .problem(status: 400, code: "c", detail: "d")])
        #expect(try answer.encoded() == Self.answerVector)
        #expect(try DataKeyBatchAnswer(decoding: Self.answerVector).outcomes == answer.outcomes)
    }

    @Test func contextsAreSortedByTheirKeysBytes() throws {
        // "B" (0x42) sorts before "a" (0x61) by bytes, whatever the dictionary's order.
        let bytes = try DataKeyBatchWire.canonicalContext(["a": "1", "B": "2"])
        #expect(bytes == [0, 2, 0, 1, 0x42, 0, 1, 0x32, 0, 1, 0x61, 0, 1, 0x31])
        #expect(try DataKeyBatchWire.canonicalContext([:]) == [0, 0])
    }

    @Test func everyCutOfABodyIsRefusedWithoutACrash() throws {
        for end in 0..<Self.requestVector.count {
            #expect(throws: DataKeyWireError.self) { try DataKeyBatchRequest(decoding: Array(Self.requestVector[..<end])) }
        }
        for end in 0..<Self.answerVector.count {
            #expect(throws: DataKeyWireError.self) { try DataKeyBatchAnswer(decoding: Array(Self.answerVector[..<end])) }
        }
        #expect(throws: DataKeyWireError.trailingBytes(count: 1)) { try DataKeyBatchRequest(decoding: Self.requestVector + [0]) }
        #expect(throws: DataKeyWireError.badMagic) { try DataKeyBatchRequest(decoding: Self.answerVector) }
        var tagged = Self.answerVector
        tagged[6] = 7
        #expect(throws: DataKeyWireError.unknownOutcome(7)) { try DataKeyBatchAnswer(decoding: tagged) }
    }

    @Test func aBatchHoldsOneToAThousandItems() throws {
        #expect(throws: DataKeyWireError.itemCount(0)) { try DataKeyBatchRequest(decoding: Array("OKB1".utf8) + [0, 0]) }
        #expect(throws: DataKeyWireError.itemCount(1001)) { try DataKeyBatchRequest(decoding: Array("OKB1".utf8) + [0x03, 0xE9]) }
        let item = DataKeyBatchRequest.Item(value: [1], context: [0, 0])
        #expect(throws: DataKeyWireError.itemCount(1001)) { try DataKeyBatchRequest(items: Array(repeating: item, count: 1001)).encoded() }
        let full = try DataKeyBatchRequest(items: Array(repeating: item, count: 1000)).encoded()
        #expect(try DataKeyBatchRequest(decoding: full).items.count == 1000)
    }

    @Test func aFieldLongerThanItsLengthCanSayIsRefused() {
        #expect(throws: DataKeyWireError.fieldTooLong(field: "context value", length: 70_000)) {
            try DataKeyBatchWire.canonicalContext(["k": String(repeating: "x", count: 70_000)])
        }
        #expect(throws: DataKeyWireError.fieldTooLong(field: "value", length: 70_000)) {
            try DataKeyBatchRequest(items: [.init(value: Array(repeating: 0, count: 70_000)[...], context: [0, 0])]).encoded()
        }
    }
}
