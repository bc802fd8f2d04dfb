import Crypto
import CryptoExtras
import Foundation
import Testing
@testable import OpenKCMCore

/// Shares encrypted to custodians' RSA or X25519 keys open only with the matching private key.
@Suite struct CustodianKeyTests {
    @Test func rsaAndX25519CustodiansGetTheirShare() throws {
        let (configuration, _, shares) = try SealInitializer.shamir(shares: 2, threshold: 2)
        let rsa = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        let x25519 = Curve25519.KeyAgreement.PrivateKey()
        let encrypted = [
            try CustodianKey(pem: rsa.publicKey.pemRepresentation).encrypt(shares[0]),
            try CustodianKey(pem: x25519.publicKey.pemRepresentation).encrypt(shares[1]),
        ]
        #expect(encrypted[0].first == 0x01 && encrypted[1].first == 0x02)
        for (index, share) in shares.enumerated() {
            let plain = share.withEncodedBytes { Data($0) }
            #expect(encrypted[index].range(of: plain) == nil)
        }
        let opened = [
            try CustodianKey.decrypt(encrypted[0], privateKeyPEM: rsa.pemRepresentation),
            try CustodianKey.decrypt(encrypted[1], privateKeyPEM: x25519.pemRepresentation),
        ]
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(opened[0])
        #expect(try unsealer.submit(opened[1]) != nil)

        // The wrong key, a tampered ciphertext, or junk never yields a share.
        #expect(throws: (any Error).self) { try CustodianKey.decrypt(encrypted[1], privateKeyPEM: Curve25519.KeyAgreement.PrivateKey().pemRepresentation) }
        #expect(throws: (any Error).self) { try CustodianKey.decrypt(encrypted[0], privateKeyPEM: try _RSA.Encryption.PrivateKey(keySize: .bits2048).pemRepresentation) }
        var tampered = encrypted[1]
        tampered[tampered.count - 1] ^= 1
        #expect(throws: (any Error).self) { try CustodianKey.decrypt(tampered, privateKeyPEM: x25519.pemRepresentation) }
        #expect(throws: (any Error).self) { try CustodianKey.decrypt(Data([0x09, 1, 2]), privateKeyPEM: x25519.pemRepresentation) }
        #expect(throws: (any Error).self) { try CustodianKey.decrypt(Data(), privateKeyPEM: x25519.pemRepresentation) }
    }

    @Test func weakOrUnknownKeysAreRefused() throws {
        #expect(throws: SealError.self) { try CustodianKey(pem: "not a key") }
        #expect(throws: SealError.self) { try CustodianKey(pem: Curve25519.Signing.PrivateKey().publicKey.pemRepresentation) }
        #expect(throws: SealError.self) { try CustodianKey(pem: P256.KeyAgreement.PrivateKey().publicKey.pemRepresentation) }
    }
}
