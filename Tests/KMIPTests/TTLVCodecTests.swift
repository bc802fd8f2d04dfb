import Testing
@testable import KMIP

/// The TTLV codec against the KMIP specification's own encoding examples and
/// published whole messages: decoded to the stated values, re-encoded to the
/// same bytes, and framed correctly whether the bytes come whole or one by one.
@Suite struct TTLVCodecTests {
    @Test func theSpecificationsExamplesDecodeToTheirValuesAndBack() throws {
        let expected: [String: TTLVValue] = [
            "Integer 8": .integer(8),
            "Long Integer 123456789000000000": .longInteger(123_456_789_000_000_000),
            "Big Integer 1234567890000000000000000000": .bigInteger([0, 0, 0, 0, 0x03, 0xFD, 0x35, 0xEB, 0x6B, 0xC2, 0xDF, 0x46, 0x18, 0x08, 0, 0]),
            "Enumeration 255": .enumeration(255),
            "Boolean True": .boolean(true),
            "Text String \"Hello World\"": .textString("Hello World"),
            "Byte String {0x01,0x02,0x03}": .byteString([1, 2, 3]),
            "Date-Time Fri 14 Mar 2008 11:56:40 GMT": .dateTime(1_205_495_800),
            "Interval 10 days": .interval(864_000),
            "Structure {Enumeration 254 (tag 420004), Integer 255 (tag 420005)}": .structure([
                TTLVItem(TTLVTag(rawValue: 0x420004)!, .enumeration(254)), TTLVItem(TTLVTag(rawValue: 0x420005)!, .integer(255)),
            ]),
        ]
        #expect(TTLVVectors.all.spec.count == expected.count)
        for vector in TTLVVectors.all.spec {
            let item = try TTLVDecoder().decode(vector.bytes)
            #expect(item.tag.rawValue == 0x420020, "\(vector.name)")
            #expect(item.value == expected[vector.name], "\(vector.name)")
            #expect(hexString(TTLVEncoder.encode(item)) == vector.hex, "\(vector.name)")
        }
    }

    @Test(arguments: TTLVVectors.all.messages)
    func publishedMessagesRoundTripWholeAndByteByByte(vector: TTLVVectors.Vector) throws {
        let item = try TTLVDecoder().decode(vector.bytes)
        #expect(hexString(TTLVEncoder.encode(item)) == vector.hex)
        if vector.kind == "request" {
            let request = try KMIPRequestMessage(item)
            #expect(request.header.protocolVersion.description == vector.version)
            #expect(hexString(TTLVEncoder.encode(request.ttlv)) == vector.hex)
        } else {
            let response = try KMIPResponseMessage(item)
            #expect(response.header.protocolVersion.description == vector.version)
            #expect(response.batchItems.allSatisfy { $0.resultStatus == .success })
            #expect(hexString(TTLVEncoder.encode(response.ttlv)) == vector.hex)
        }

        // Framing: the whole message at once, then one byte at a time, then two back to back.
        var framer = TTLVFramer()
        framer.append(vector.bytes)
        #expect(try framer.nextMessage() == vector.bytes)
        for byte in vector.bytes.dropLast() {
            framer.append([byte])
            #expect(try framer.nextMessage() == nil)
        }
        framer.append([vector.bytes.last!])
        #expect(try framer.nextMessage() == vector.bytes)
        framer.append(vector.bytes + vector.bytes)
        #expect(try framer.nextMessage() == vector.bytes)
        #expect(try framer.nextMessage() == vector.bytes)
        #expect(try framer.nextMessage() == nil && framer.bufferedCount == 0)
    }

    @Test func theDiscoverVersionsRequestReadsAsOneBatchItem() throws {
        let vector = TTLVVectors.all.messages[0]
        let request = try KMIPRequestMessage(TTLVDecoder().decode(vector.bytes))
        #expect(request.header.protocolVersion == .v1_1 && request.header.batchCount == 1)
        #expect(request.batchItems.count == 1 && request.batchItems[0].operation == .discoverVersions)
        #expect(request.batchItems[0].payload?.children.isEmpty == true)
    }
}
