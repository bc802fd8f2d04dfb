import Crypto
import DataKeyWire
import Testing
@testable import OpenKCMGateway

@Suite struct UnwrapCacheTests {
    private func slot(_ wrapped: [UInt8], _ context: [String: String]) throws -> SHA256Digest {
        UnwrapCache.slot(wrapped: wrapped, context: try DataKeyBatchWire.canonicalContext(context))
    }

    @Test func aKeyUnwrappedBeforeALockIsNotKeptAfterIt() throws {
        let cache = UnwrapCache(lifetime: .seconds(60), capacity: 10)
        let entry = try slot([1, 2, 3], ["k": "v"])
        let taken = cache.generation
        cache.removeAll()  // the lock event arrives while the core is answering
        cache.store(SymmetricKey(size: .bits256), at: entry, takenAt: taken)
        #expect(cache.key(at: entry) == nil)
        cache.store(SymmetricKey(size: .bits256), at: entry, takenAt: cache.generation)
        #expect(cache.key(at: entry) != nil)
    }

    @Test func slotsDependOnBlobAndContextAndTheCacheIsBounded() throws {
        #expect(try slot([1], ["a": "b"]) != slot([1], ["a": "c"]))
        #expect(try slot([1], ["ab": ""]) != slot([1], ["a": "b"]))
        #expect(try slot([1, 2], [:]) != slot([1], [:]))
        let cache = UnwrapCache(lifetime: .seconds(60), capacity: 100)
        for index in 0..<1000 {
            cache.store(SymmetricKey(size: .bits256), at: try slot([UInt8(index % 256), UInt8(index / 256)], [:]), takenAt: cache.generation)
        }
        #expect(cache.count <= 100)
        let expiring = UnwrapCache(lifetime: .zero, capacity: 10)
        expiring.store(SymmetricKey(size: .bits256), at: try slot([9], [:]), takenAt: expiring.generation)
        #expect(expiring.count == 0)
    }
}
