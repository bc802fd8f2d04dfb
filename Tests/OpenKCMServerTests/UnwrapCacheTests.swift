import Crypto
import Testing
@testable import OpenKCMGateway

@Suite struct UnwrapCacheTests {
    @Test func aKeyUnwrappedBeforeALockIsNotKeptAfterIt() {
        let cache = UnwrapCache(lifetime: .seconds(60), capacity: 10)
        let slot = UnwrapCache.slot(wrapped: [1, 2, 3], context: ["k": "v"])
        let taken = cache.generation
        cache.removeAll()  // the lock event arrives while the core is answering
        cache.store(SymmetricKey(size: .bits256), at: slot, takenAt: taken)
        #expect(cache.key(at: slot) == nil)
        cache.store(SymmetricKey(size: .bits256), at: slot, takenAt: cache.generation)
        #expect(cache.key(at: slot) != nil)
    }

    @Test func slotsDependOnBlobAndContextAndTheCacheIsBounded() {
        #expect(UnwrapCache.slot(wrapped: [1], context: ["a": "b"]) != UnwrapCache.slot(wrapped: [1], context: ["a": "c"]))
        #expect(UnwrapCache.slot(wrapped: [1], context: ["ab": ""]) != UnwrapCache.slot(wrapped: [1], context: ["a": "b"]))
        #expect(UnwrapCache.slot(wrapped: [1, 2], context: [:]) != UnwrapCache.slot(wrapped: [1], context: [:]))
        let cache = UnwrapCache(lifetime: .seconds(60), capacity: 100)
        for index in 0..<1000 {
            cache.store(SymmetricKey(size: .bits256), at: UnwrapCache.slot(wrapped: [UInt8(index % 256), UInt8(index / 256)], context: [:]), takenAt: cache.generation)
        }
        #expect(cache.count <= 100)
        let expiring = UnwrapCache(lifetime: .zero, capacity: 10)
        expiring.store(SymmetricKey(size: .bits256), at: UnwrapCache.slot(wrapped: [9], context: [:]), takenAt: expiring.generation)
        #expect(expiring.count == 0)
    }
}
