import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMServer
import OpenKCMTestSupport

/// No request buys an answer many times its size: answers are bounded like
/// requests (the server's bound, or the client's Maximum Response Size), and
/// the items past it are answered Response Too Large.
@Suite struct KMIPResponseBoundTests {
    @Test func aLocateOverTheBoundIsRefusedAndPagingAnswersIt() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v1_4, harness: harness)
        for _ in 0..<12 { _ = try await KMIPProfileAnswersTests.register(session, []) }
        let locate = KMIPRequestBatchItem(operation: .locate, payload: [])
        let small = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v1_4, batchCount: 1, maximumResponseSize: 400), batchItems: [locate])
        let refused = try KMIPResponseMessage(try TTLVDecoder().decode(await session.engine.respond(to: TTLVEncoder.encode(small.ttlv), caller: session.caller)))
        #expect(refused.batchItems.first?.resultStatus == .operationFailed && refused.batchItems.first?.resultReason == .responseTooLarge)
        // A page fits, and says how many there are.
        let paged = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v1_4, batchCount: 1, maximumResponseSize: 400),
                                       batchItems: [KMIPRequestBatchItem(operation: .locate, payload: [TTLVItem(.maximumItems, .integer(3))])])
        let page = try KMIPResponseMessage(try TTLVDecoder().decode(await session.engine.respond(to: TTLVEncoder.encode(paged.ttlv), caller: session.caller)))
        #expect(page.batchItems.first?.resultStatus == .success)
        #expect(page.batchItems.first?.payload?.all(.uniqueIdentifier).count == 3)
        #expect(page.batchItems.first?.payload?[.locatedItems]?.integerValue == 12)
    }

    @Test func aBatchOfGetsPastTheServersBoundKeepsTheItemsThatFit() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_0, harness: harness)
        // A 60 KiB opaque object, then twenty Gets of it in one small request: 1.2 MB of answer for a request of a few hundred bytes.
        let registered = try await session.send(.register, [
            TTLVItem(.objectType, .enumeration(KMIPObjectType.opaqueData.rawValue)),
            .structure(.opaqueObject, [TTLVItem(.opaqueDataType, .enumeration(0x8000_0000)), TTLVItem(.opaqueDataValue, .byteString([UInt8](repeating: 7, count: 60 << 10)))]),
        ])
        let uid = try #require(registered.payload?[.uniqueIdentifier]?.textValue)
        let gets = (0..<20).map { _ in KMIPRequestBatchItem(operation: .get, payload: [TTLVItem(.uniqueIdentifier, .textString(uid))]) }
        var header = KMIPRequestHeader(protocolVersion: .v2_0, batchCount: 20)
        header.batchErrorContinuationOption = .continue
        let request = KMIPRequestMessage(header: header, batchItems: gets)
        let bytes = await session.engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: session.caller)
        #expect(bytes.count <= TTLVLimits.default.maximumMessageSize)
        let response = try KMIPResponseMessage(try TTLVDecoder().decode(bytes))
        #expect(response.batchItems.count == 20)
        let fitted = response.batchItems.prefix { $0.resultStatus == .success }
        #expect(fitted.count == 17, "17 answers of 60 KiB and a little fit in 1 MiB, not 18")
        #expect(response.batchItems.dropFirst(fitted.count).allSatisfy { $0.resultReason == .responseTooLarge })
    }
}
