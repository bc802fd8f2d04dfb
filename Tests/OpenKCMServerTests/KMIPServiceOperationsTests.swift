import Crypto
import Foundation
import Testing
import KMIP
import KMIPEngine
import OpenKCMServer
import OpenKCMTestSupport

/// The operations that manage no object: Hash, RNG Retrieve, Log and
/// Interop, and the Server Correlation Value every answer carries.
@Suite struct KMIPServiceOperationsTests {
    @Test func hashRandomBytesLogAndInterop() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let session = try await KMIPClientFlowTests.session(.v2_1, harness: harness)
        let data = Array("abc".utf8)
        let hashed = try await session.send(.hash, [.structure(.cryptographicParameters, [TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.sha256.rawValue))]),
                                                    TTLVItem(.data, .byteString(data))])
        #expect(hashed.payload?[.data]?.bytesValue == Array(SHA256.hash(data: data)), "\(hashed)")
        let md5 = try await session.send(.hash, [.structure(.cryptographicParameters, [TTLVItem(.hashingAlgorithm, .enumeration(KMIPHashingAlgorithm.md5.rawValue))]),
                                                 TTLVItem(.data, .byteString(data))])
        #expect(md5.resultReason == .featureNotSupported)
        let random = try await session.send(.rngRetrieve, [TTLVItem(.dataLength, .integer(48))])
        let bytes = try #require(random.payload?[.data]?.bytesValue, "\(random)")
        #expect(bytes.count == 48 && Set(bytes).count > 1)
        #expect(try await session.send(.rngRetrieve, [TTLVItem(.dataLength, .integer(1 << 20))]).resultReason == .invalidField)
        #expect(try await session.send(.rngSeed, [TTLVItem(.data, .byteString([UInt8](repeating: 3, count: 32)))]).resultReason == .permissionDenied)
        #expect(try await session.send(.log, [TTLVItem(.logMessage, .textString("Registered a symmetric key."))]).resultStatus == .success)
        for function: UInt32 in [1, 2, 3] {
            let interop = try await session.send(.interop, [TTLVItem(.interopFunction, .enumeration(function)), TTLVItem(.interopIdentifier, .textString("BL-M-1-21"))])
            #expect(interop.resultStatus == .success, "\(interop)")
        }
        // The answer's header names the exchange by the audit correlation id.
        let request = KMIPRequestMessage(header: KMIPRequestHeader(protocolVersion: .v2_1, batchCount: 1),
                                         batchItems: [KMIPRequestBatchItem(operation: .rngRetrieve, payload: [TTLVItem(.dataLength, .integer(8))])])
        let tree = try TTLVDecoder().decode(await session.engine.respond(to: TTLVEncoder.encode(request.ttlv), caller: session.caller))
        #expect(tree[.responseHeader]?[.serverCorrelationValue]?.textValue == session.caller.correlationID)
    }
}
