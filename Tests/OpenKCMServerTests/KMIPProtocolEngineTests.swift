import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMServer

/// The KMIP message layer without the network: version negotiation (the
/// published KMIP 1.1 test case 16.1 answer, byte for byte), Query, per-item
/// failures that leave neighbours alone, unreadable and unsupported-version
/// messages, and no tag a client's version does not define.
@Suite struct KMIPProtocolEngineTests {
    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    /// KMIP 1.1 test case 16.1 (as published in NLnetLabs/kmip-protocol's tests): Discover Versions offering 1.0.
    static let discoverRequest = hex("42007801000000884200770100000038420069010000002042006a0200000004000000010000000042006b0200000004000000010000000042000d0200000004000000010000000042000f010000004042005c05000000040000001e000000004200790100000028420069010000002042006a0200000004000000010000000042006b02000000040000000000000000")
    static let discoverResponse = hex("42007b01000000a842007a0100000048420069010000002042006a0200000004000000010000000042006b020000000400000001000000004200920900000008000000004e04888242000d0200000004000000010000000042000f010000005042005c05000000040000001e0000000042007f0500000004000000000000000042007c0100000028420069010000002042006a0200000004000000010000000042006b02000000040000000000000000")

    static func request(_ version: KMIPVersion, _ items: [KMIPRequestBatchItem], correlation: String? = nil) -> [UInt8] {
        var header = KMIPRequestHeader(protocolVersion: version, batchCount: Int32(items.count))
        header.clientCorrelationValue = correlation
        return TTLVEncoder.encode(KMIPRequestMessage(header: header, batchItems: items).ttlv)
    }

    static func response(_ bytes: [UInt8]) throws -> KMIPResponseMessage {
        try KMIPResponseMessage(TTLVDecoder().decode(bytes))
    }

    /// Every tag in the tree is one `version` defines.
    static func undefinedTags(_ item: TTLVItem, in version: KMIPVersion) -> [TTLVTag] {
        (version.defines(item.tag) ? [] : [item.tag]) + item.children.flatMap { undefinedTags($0, in: version) }
    }

    @Test func discoverVersionsAnswersTheTestCaseByteForByte() async throws {
        let engine = KMIPProtocolEngine(clock: { 0x4E04_8882 })
        #expect(await engine.respond(to: Self.discoverRequest) == Self.discoverResponse)
        // With no list, every supported version, newest first.
        let all = try Self.response(await engine.respond(to: Self.request(.v1_1, [KMIPRequestBatchItem(operation: .discoverVersions, payload: [])])))
        let versions = all.batchItems[0].payload?.all(.protocolVersion).map { "\($0[.protocolVersionMajor]!.integerValue!).\($0[.protocolVersionMinor]!.integerValue!)" }
        #expect(versions == ["2.1", "2.0", "1.4", "1.3", "1.2", "1.1", "1.0"])
    }

    @Test func queryReportsWhatIsServedInTheClientsVersion() async throws {
        let engine = KMIPProtocolEngine()
        let query = KMIPRequestBatchItem(operation: .query, payload: [
            TTLVItem(.queryFunction, .enumeration(KMIPQueryFunction.queryOperations.rawValue)),
            TTLVItem(.queryFunction, .enumeration(KMIPQueryFunction.queryServerInformation.rawValue)),
        ])
        for version in KMIPProtocolEngine.supportedVersions {
            let bytes = await engine.respond(to: Self.request(version, [query], correlation: "c-1"))
            let item = try TTLVDecoder().decode(bytes)
            #expect(Self.undefinedTags(item, in: version).isEmpty, "\(version): \(Self.undefinedTags(item, in: version))")
            let response = try KMIPResponseMessage(item)
            #expect(response.header.protocolVersion == version)
            #expect(response.header.clientCorrelationValue == (version >= .v1_4 ? "c-1" : nil))
            let operations = response.batchItems[0].payload?.all(.operation).compactMap(\.enumerationValue) ?? []
            // Discover Versions came with KMIP 1.1; a 1.0 client is not told of it.
            #expect(operations == [KMIPOperation.query.rawValue] + (version >= .v1_1 ? [KMIPOperation.discoverVersions.rawValue] : []))
            #expect(response.batchItems[0].payload?[.vendorIdentification]?.textValue == "OpenKCM")
        }
    }

    @Test func aFailingBatchItemLeavesItsNeighboursAlone() async throws {
        let engine = KMIPProtocolEngine()
        let items = [
            KMIPRequestBatchItem(operation: .discoverVersions, uniqueBatchItemID: [1], payload: []),
            KMIPRequestBatchItem(operation: .certify, uniqueBatchItemID: [2], payload: []),
            KMIPRequestBatchItem(operation: .query, uniqueBatchItemID: [3], payload: [TTLVItem(.queryFunction, .enumeration(1))]),
        ]
        var unknown = KMIPRequestBatchItem(operation: .query, uniqueBatchItemID: [4], payload: [])
        unknown.operationCode = 0x7777
        // Batch Error Continuation Option Continue: every item answered, each on its own.
        var header = KMIPRequestHeader(protocolVersion: .v1_2, batchCount: 4)
        header.batchErrorContinuationOption = .continue
        let bytes = TTLVEncoder.encode(KMIPRequestMessage(header: header, batchItems: items + [unknown]).ttlv)
        let response = try Self.response(await engine.respond(to: bytes))
        #expect(response.batchItems.map(\.resultStatus) == [.success, .operationFailed, .success, .operationFailed])
        #expect(response.batchItems.map(\.uniqueBatchItemID) == [[1], [2], [3], [4]])
        #expect(response.batchItems[1].resultReason == .operationNotSupported && response.batchItems[3].resultReason == .operationNotSupported)
        // Stop, the default: the items after the failed one are not answered.
        let stopped = try Self.response(await engine.respond(to: Self.request(.v1_2, items + [unknown])))
        #expect(stopped.batchItems.map(\.resultStatus) == [.success, .operationFailed])
        #expect(stopped.header.batchCount == 2)
    }

    @Test func unreadableOrUnsupportedMessagesGetAnInvalidMessageAnswer() async throws {
        let engine = KMIPProtocolEngine()
        let garbage = try Self.response(await engine.respond(to: [0x42, 0x00, 0x78, 0x01, 0, 0, 0, 8, 1, 2, 3]))
        #expect(garbage.header.protocolVersion == .v1_0 && garbage.batchItems.first?.resultReason == .invalidMessage)
        #expect(garbage.batchItems.first?.operationCode == nil)

        for (asked, answered) in [(KMIPVersion(major: 3, minor: 0), KMIPVersion.v2_1), (KMIPVersion(major: 1, minor: 5), .v1_4), (KMIPVersion(major: 0, minor: 9), .v1_0)] {
            let response = try Self.response(await engine.respond(to: Self.request(asked, [KMIPRequestBatchItem(operation: .query, payload: [])])))
            #expect(response.header.protocolVersion == answered && response.batchItems.first?.resultReason == .invalidMessage, "\(asked)")
        }
        // A header without batch items.
        let empty = TTLVEncoder.encode(.structure(.requestMessage, [KMIPRequestHeader(protocolVersion: .v1_2, batchCount: 0).ttlv]))
        let answer = try Self.response(await engine.respond(to: empty))
        #expect(answer.header.protocolVersion == .v1_2 && answer.batchItems.first?.resultReason == .invalidMessage)
    }

    /// A batch past the cap (256 items) is refused whole with Invalid Message: one message cannot ask for unbounded work.
    @Test func aBatchPastTheCapIsRefusedWhole() async throws {
        let engine = KMIPProtocolEngine()
        let item = KMIPRequestBatchItem(operation: .discoverVersions, payload: [])
        let atCap = try Self.response(await engine.respond(to: Self.request(.v1_2, Array(repeating: item, count: engine.maximumBatchItems))))
        #expect(atCap.batchItems.count == 256 && atCap.batchItems.allSatisfy { $0.resultStatus == .success })
        for version in [KMIPVersion.v1_2, .v2_0] {
            let over = try Self.response(await engine.respond(to: Self.request(version, Array(repeating: item, count: engine.maximumBatchItems + 1))))
            #expect(over.header.protocolVersion == version)
            #expect(over.batchItems.count == 1 && over.batchItems.first?.resultReason == .invalidMessage, "\(over.batchItems.first.map { "\($0)" } ?? "")")
        }
    }
}
