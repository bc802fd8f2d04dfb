import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMTestSupport

/// The one-call random draws behind nonces and keys: every byte of a request
/// is filled (past the 256-byte limit of one call too), and nothing repeats.
@Suite struct SystemRandomTests {
    @Test func fillsEveryByteAcrossSeveralCalls() {
        // 1,000 bytes take four calls; a zero run of 16 at the end would mean the tail was skipped.
        for length in [1, 12, 255, 256, 257, 1_000] {
            var bytes = [UInt8](repeating: 0, count: length + 16)
            bytes.withUnsafeMutableBytes { SystemRandom.fill(UnsafeMutableRawBufferPointer(rebasing: $0[0..<length])) }
            #expect(bytes[length...].allSatisfy { $0 == 0 }, "wrote past the buffer")
            if length >= 64 {
                #expect(bytes[(length - 16)..<length].contains { $0 != 0 }, "the last 16 of \(length) bytes stayed zero")
            }
        }
    }

    @Test func aBatchOfNoncesHasNoRepeats() {
        let nonces = SystemRandom.nonces(10_000).map { $0.withUnsafeBytes { Array($0) } }
        #expect(nonces.count == 10_000)
        #expect(nonces.allSatisfy { $0.count == 12 })
        #expect(Set(nonces).count == 10_000)
        #expect(SystemRandom.nonces(0).isEmpty)
        let single = (0..<1_000).map { _ in SystemRandom.nonce().withUnsafeBytes { Array($0) } }
        #expect(Set(single).count == 1_000 && single.allSatisfy { $0.count == 12 })
    }

    @Test func keysAre256BitsAndDistinct() {
        let keys = (0..<1_000).map { _ in SystemRandom.symmetricKey().withUnsafeBytes { Array($0) } }
        #expect(keys.allSatisfy { $0.count == 32 })
        #expect(Set(keys).count == 1_000)
    }

    @Test func aBatchWrapGivesEveryItemItsOwnNonce() async throws {
        let fixture = KeyChainFixture()
        let chain = fixture.chain
        let tenant = OpenKCMTestSupport.tenant("acme")
        let service = OpenKCMTestSupport.service("payments")
        try await chain.createTenant(tenant, l1: fixture.l1.reference)
        try await chain.createService(service, tenant: tenant)
        let key = SystemRandom.symmetricKey()
        let results = try await chain.wrapDataKeys(Array(repeating: (key: key, context: EncryptionContext.empty), count: 500),
                                                   tenant: tenant, service: service)
        let blobs = try results.map { try $0.get() }
        // One key wrapped 500 times: only the nonces differ, so 500 distinct blobs and 500 distinct nonces.
        let nonces = blobs.map { Array($0[EnvelopeHeader.size..<(EnvelopeHeader.size + 12)]) }
        #expect(Set(blobs).count == 500 && Set(nonces).count == 500)
        for blob in blobs.prefix(20) {
            let opened = try await chain.unwrapDataKey(Data(blob), tenant: tenant, service: service)
            #expect(opened == key)
        }
    }
}
