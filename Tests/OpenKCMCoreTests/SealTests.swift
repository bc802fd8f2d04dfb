import Crypto
import Foundation
import Testing
import OpenKCMCore
import OpenKCMTestSupport

@Suite struct SealTests {
    static func bytes(_ masterKey: MasterKey) -> KeyCheckValue { masterKey.keyCheckValue }

    @Test func fiveSharesThresholdThreeUnsealInAnyOrderAndRefuseBadShares() throws {
        let (configuration, masterKey, shares) = try SealInitializer.shamir(shares: 5, threshold: 3)
        #expect(configuration.kind == .shamir && configuration.shares == 5 && configuration.threshold == 3)
        let unsealer = Unsealer(configuration: configuration)
        for order in [[0, 1, 2], [4, 2, 0], [3, 1, 4], [2, 3, 4]] {
            #expect(try unsealer.submit(shares[order[0]]) == nil)
            #expect(throws: ShamirError.duplicateShare(index: shares[order[0]].index)) { try unsealer.submit(shares[order[0]]) }
            #expect(unsealer.progress == 1)
            #expect(try unsealer.submit(shares[order[1]]) == nil)
            let rebuilt = try #require(try unsealer.submit(shares[order[2]]))
            #expect(rebuilt.keyCheckValue == masterKey.keyCheckValue)
            #expect(unsealer.progress == 0)
        }
        // A share of another split is refused on its own, first or later, and never blocks the genuine ones.
        let (_, _, stranger) = try SealInitializer.shamir(shares: 5, threshold: 3)
        #expect(throws: ShamirError.mixedShareSets) { try unsealer.submit(stranger[0]) }
        #expect(unsealer.progress == 0)
        _ = try unsealer.submit(shares[0])
        #expect(throws: ShamirError.mixedShareSets) { try unsealer.submit(stranger[1]) }
        #expect(unsealer.progress == 1)
        unsealer.reset()
        #expect(unsealer.progress == 0)
    }

    @Test func aWrongButWellFormedSetNeverUnseals() throws {
        // Shares of a different MasterKey with the same set id and threshold:
        // only the key-check value can tell, and it does.
        var (configuration, _, _) = try SealInitializer.shamir(shares: 3, threshold: 2)
        let (_, _, impostors) = try SealInitializer.shamir(shares: 3, threshold: 2)
        // Without the stored set id (as for a configuration written before it was kept),
        // only the key-check value can tell, and it does.
        configuration.shareSetID = nil
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(impostors[0])
        #expect(throws: ShamirError.keyCheckFailed) { try unsealer.submit(impostors[1]) }
        #expect(unsealer.progress == 0)
    }

    @Test func autoUnsealWithOneKeystore() async throws {
        let keystore = SoftwareKeystore(name: "seal")
        let (configuration, masterKey) = try await SealInitializer.keystore(keystore)
        let data = try JSONEncoder().encode(configuration)
        let stored = try JSONDecoder().decode(SealConfiguration.self, from: data)
        let rebuilt = try await Unsealer.unsealWithKeystore(stored, keystores: KeystoreRegistry([keystore]))
        #expect(rebuilt.keyCheckValue == masterKey.keyCheckValue)
        // The configuration holds no MasterKey bytes.
        #expect(!Self.contains(Array(data), masterKey))

        keystore.setStatus(.disabled(reason: "revoked"))
        await #expect(throws: KeystoreError.disabled(keystore.reference)) {
            _ = try await Unsealer.unsealWithKeystore(stored, keystores: KeystoreRegistry([keystore]))
        }
        await #expect(throws: KeystoreError.unknownKeystore(keystore.reference)) {
            _ = try await Unsealer.unsealWithKeystore(stored, keystores: KeystoreRegistry())
        }
    }

    @Test func shardKeystoresUnsealWithAnyThresholdOfThemReachable() async throws {
        let keystores = (1...3).map { SoftwareKeystore(name: "shard-\($0)") }
        let (configuration, masterKey) = try await SealInitializer.shardKeystores(keystores, threshold: 2)
        let registry = KeystoreRegistry(keystores)
        #expect(try await Unsealer.unsealWithShardKeystores(configuration, keystores: registry).keyCheckValue == masterKey.keyCheckValue)
        // One KMS outage does not keep the server sealed...
        keystores[0].setStatus(.unreachable(reason: "network"))
        #expect(try await Unsealer.unsealWithShardKeystores(configuration, keystores: registry).keyCheckValue == masterKey.keyCheckValue)
        // ...two do, with the keystore's error.
        keystores[2].setStatus(.disabled(reason: "revoked"))
        await #expect(throws: KeystoreError.disabled(keystores[2].reference)) {
            _ = try await Unsealer.unsealWithShardKeystores(configuration, keystores: registry)
        }
    }

    static func contains(_ haystack: [UInt8], _ masterKey: MasterKey) -> Bool {
        // MasterKey bytes are package-internal; compare through the check value
        // of every 32-byte window instead.
        guard haystack.count >= 32 else { return false }
        for start in 0...(haystack.count - 32) where masterKey.keyCheckValue.matches(SymmetricKey(data: haystack[start..<(start + 32)])) {
            return true
        }
        return false
    }
}

/// Rekey: new shares of a new unseal key for the same MasterKey.
@Suite struct RekeyTests {
    @Test func rekeyedSharesUnsealTheSameMasterKeyAndTheOldOnesOpenNothing() throws {
        let (configuration, masterKey, old) = try SealInitializer.shamir(shares: 3, threshold: 2)
        #expect(configuration.wrappedMasterKey != nil)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let (rekeyed, new) = try SealInitializer.rekey(configuration, masterKey: masterKey, shares: 5, threshold: 3, now: now)
        #expect(rekeyed.shares == 5 && rekeyed.threshold == 3 && rekeyed.rekeyedAt == now && new.count == 5)
        #expect(rekeyed.keyCheckValue == masterKey.keyCheckValue && rekeyed.shareSetID != configuration.shareSetID)
        #expect(try rekeyed.masterKey(from: [new[4], new[1], new[2]]).keyCheckValue == masterKey.keyCheckValue)
        // Old shares are of another set; even presented as this set's, they rebuild a key that opens nothing.
        let unsealer = Unsealer(configuration: rekeyed)
        #expect(throws: ShamirError.mixedShareSets) { try unsealer.submit(old[0]) }
        var disguised = rekeyed
        disguised.shareSetID = configuration.shareSetID
        disguised.threshold = 2
        #expect(throws: ShamirError.keyCheckFailed) { try disguised.masterKey(from: Array(old.prefix(2))) }
        // Rekey needs the MasterKey the configuration protects.
        #expect(throws: ShamirError.keyCheckFailed) {
            try SealInitializer.rekey(configuration, masterKey: .generate(), shares: 3, threshold: 2)
        }
    }

    @Test func aSealFromBeforeRekeyStillUnsealsAndItsFirstRekeyMovesIt() throws {
        // A configuration as init wrote it before unseal keys: the shares are of the MasterKey itself.
        let masterKey = MasterKey.generate()
        let split = try masterKey.split(shares: 3, threshold: 2)
        var legacy = SealConfiguration(kind: .shamir, shares: 3, threshold: 2, keyCheckValue: masterKey.keyCheckValue, createdAt: Date())
        legacy.shareSetID = split[0].setID
        #expect(try legacy.masterKey(from: Array(split.prefix(2))).keyCheckValue == masterKey.keyCheckValue)
        let (rekeyed, new) = try SealInitializer.rekey(legacy, masterKey: masterKey, shares: 3, threshold: 2)
        #expect(rekeyed.wrappedMasterKey != nil)
        #expect(try rekeyed.masterKey(from: Array(new.suffix(2))).keyCheckValue == masterKey.keyCheckValue)
    }

    @Test func onlyOperatorSharesAreRekeyed() async throws {
        let (configuration, masterKey) = try await SealInitializer.keystore(SoftwareKeystore(name: "seal"))
        #expect(throws: SealError.self) { try SealInitializer.rekey(configuration, masterKey: masterKey, shares: 3, threshold: 2) }
    }
}
