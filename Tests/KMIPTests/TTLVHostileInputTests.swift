import Testing
@testable import KMIP

/// Malformed and hostile TTLV is refused with a typed error, cheaply: no
/// crash, no allocation beyond the input, limits checked before work.
@Suite struct TTLVHostileInputTests {
    static func header(_ tag: UInt32, _ type: UInt8, _ length: UInt32) -> [UInt8] {
        [UInt8(tag >> 16), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF), type,
         UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
    }

    @Test func eachMalformationHasItsError() {
        let decoder = TTLVDecoder()
        #expect(throws: TTLVError.truncated(offset: 0)) { try decoder.decode([0x42, 0x00]) }
        #expect(throws: TTLVError.unknownType(0x0C, offset: 3)) { try decoder.decode(Self.header(0x420020, 0x0C, 4) + [0, 0, 0, 1, 0, 0, 0, 0]) }
        #expect(throws: TTLVError.invalidLength(.integer, 8, offset: 4)) { try decoder.decode(Self.header(0x420020, 0x02, 8) + [UInt8](repeating: 0, count: 8)) }
        #expect(throws: TTLVError.invalidLength(.bigInteger, 3, offset: 4)) { try decoder.decode(Self.header(0x420020, 0x04, 3) + [1, 2, 3, 0, 0, 0, 0, 0]) }
        #expect(throws: TTLVError.invalidValue(.boolean, offset: 8)) { try decoder.decode(Self.header(0x420020, 0x06, 8) + [0, 0, 0, 0, 0, 0, 0, 2]) }
        #expect(throws: TTLVError.invalidValue(.textString, offset: 8)) { try decoder.decode(Self.header(0x420020, 0x07, 2) + [0xC3, 0x28, 0, 0, 0, 0, 0, 0]) }
        // The declared length runs past the end.
        #expect(throws: TTLVError.truncated(offset: 0)) { try decoder.decode(Self.header(0x420020, 0x08, 64) + [1, 2, 3]) }
        // A structure whose length cuts its last child.
        let child = Self.header(0x420004, 0x02, 4) + [0, 0, 0, 1, 0, 0, 0, 0]
        #expect(throws: TTLVError.self) { try decoder.decode(Self.header(0x420020, 0x01, 8) + child) }
        #expect(throws: TTLVError.structureMismatch(offset: 0)) { try decoder.decode(Self.header(0x420020, 0x01, 12) + child + [0, 0, 0, 0]) }
        #expect(throws: TTLVError.trailingBytes(offset: 16)) { try decoder.decode(child + [0, 0, 0, 0, 0, 0, 0, 0]) }
    }

    @Test func limitsAreCheckedBeforeTheWork() {
        // 40 nested structures: refused at the depth limit.
        var nested = Self.header(0x420020, 0x02, 4) + [0, 0, 0, 1, 0, 0, 0, 0]
        for _ in 0..<40 { nested = Self.header(0x420020, 0x01, UInt32(nested.count)) + nested }
        #expect(throws: TTLVError.tooDeep(limit: 32)) { try TTLVDecoder().decode(nested) }
        // Many small items: refused at the item limit.
        let item = Self.header(0x420004, 0x06, 8) + [0, 0, 0, 0, 0, 0, 0, 1]
        let many = Self.header(0x420020, 0x01, UInt32(item.count * 100)) + Array([[UInt8]](repeating: item, count: 100).joined())
        #expect(throws: TTLVError.tooManyItems(limit: 50)) { try TTLVDecoder(limits: TTLVLimits(maximumItems: 50)).decode(many) }
        // A header that declares 4 GiB is refused by the framer with 8 bytes in hand.
        var framer = TTLVFramer()
        framer.append(Self.header(0x420078, 0x01, 0xFFFF_FFF8))
        #expect(throws: TTLVError.tooLarge(0xFFFF_FFF8 + 8, limit: 1 << 20)) { try framer.nextMessage() }
        #expect(throws: TTLVError.tooLarge(2 << 20, limit: 1 << 20)) { try TTLVDecoder().decode([UInt8](repeating: 0, count: 2 << 20)) }
    }

    @Test func aRequestWithoutWhatItNeedsIsAnInvalidMessage() throws {
        let empty = TTLVItem.structure(.requestMessage, [])
        #expect(throws: KMIPMessageError.self) { try KMIPRequestMessage(empty) }
        let header = KMIPRequestHeader(protocolVersion: .v1_2, batchCount: 2)
        let oneItem = TTLVItem.structure(.requestMessage, [header.ttlv, KMIPRequestBatchItem(operation: .query, payload: []).ttlv])
        #expect(throws: KMIPMessageError.self) { try KMIPRequestMessage(oneItem) }
        // An Integer where the Operation enumeration is due is accepted (clients do this).
        let liberal = TTLVItem.structure(.requestMessage, [
            KMIPRequestHeader(protocolVersion: .v1_0, batchCount: 1).ttlv,
            .structure(.batchItem, [TTLVItem(.operation, .integer(0x18)), .structure(.requestPayload, [])]),
        ])
        #expect(try KMIPRequestMessage(liberal).batchItems[0].operation == .query)
        // An operation this server does not know is kept, to be answered on its own.
        let unknown = TTLVItem.structure(.requestMessage, [
            KMIPRequestHeader(protocolVersion: .v2_1, batchCount: 1).ttlv,
            .structure(.batchItem, [TTLVItem(.operation, .enumeration(0x99)), .structure(.requestPayload, [])]),
        ])
        let request = try KMIPRequestMessage(unknown)
        #expect(request.batchItems[0].operation == nil && request.batchItems[0].operationCode == 0x99)
    }

    @Test func versionsKnowTheirTags() {
        #expect(KMIPVersion.v1_0.defines(.uniqueIdentifier))
        #expect(!KMIPVersion.v1_0.defines(.encodingOption))  // a 1.1 tag
        #expect(KMIPVersion.v1_1.defines(.encodingOption))
        #expect(!KMIPVersion.v1_3.defines(.clientCorrelationValue) && KMIPVersion.v1_4.defines(.clientCorrelationValue))
        #expect(!KMIPVersion.v1_4.defines(.attributes) && KMIPVersion.v2_0.defines(.attributes))  // a 2.0 tag
        #expect(KMIPVersion.v1_4.defines(.templateAttribute) && !KMIPVersion.v2_0.defines(.templateAttribute))
    }
}
