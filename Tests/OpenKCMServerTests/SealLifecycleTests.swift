import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import OpenKCMCore
import OpenKCMServer

/// Init with 5 shares and threshold 3, unseal in any order, refuse bad
/// shares, seal, restart and unseal with another 3; auto-unseal.
@Suite struct SealLifecycleTests {
    @Test func initUnsealSealRestartOnALiveServer() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let core = try await harness.makeCore()
        let (shares, rootToken, wrapped) = try await harness.application(core).test(.live) { client async throws in
            // Sealed and uninitialized: only health and seal status answer.
            #expect(try await client.call(.get, "/v1/sys/health").status == 501)
            let status = try await client.call(.get, "/v1/sys/seal-status")
            #expect(status["initialized"] as? Bool == false && status["sealed"] as? Bool == true)
            #expect(try await client.call(.get, "/v1/tenants", token: "okcm.x.y").status == 503)

            let initAnswer = try await client.call(.post, "/v1/sys/init", json: ["shares": 5, "threshold": 3])
            #expect(initAnswer.status == 200)
            let shares = try #require(initAnswer["shares"] as? [String])
            let rootToken = initAnswer.string("rootToken")
            #expect(shares.count == 5)
            #expect(try await client.call(.post, "/v1/sys/init", json: ["shares": 5, "threshold": 3]).status == 409)

            // Init unseals; a story runs; then seal.
            #expect(try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "acme", "l1": ["provider": "software", "key": "customer-l1"]]).status == 201)
            #expect(try await client.call(.post, "/v1/tenants/acme/services", token: rootToken, json: ["id": "payments"]).status == 201)
            let identity = try await client.call(.post, "/v1/identities", token: rootToken,
                                                 json: ["name": "app", "role": "crypto", "tenant": "acme", "service": "payments"])
            let appToken = identity.string("token")
            let dataKey = try await client.call(.post, "/v1/tenants/acme/services/payments/datakey", token: appToken, json: ["context": ["r": "1"]])
            #expect(dataKey.status == 200)
            #expect(try await client.call(.post, "/v1/sys/seal", token: appToken).status == 403)
            #expect(try await client.call(.post, "/v1/sys/seal", token: rootToken).status == 200)
            let sealedAttempt = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: appToken,
                                                      json: ["wrapped": dataKey.string("wrapped"), "context": ["r": "1"]])
            #expect(sealedAttempt.status == 503 && sealedAttempt.string("code") == "barrier.sealed")
            #expect(sealedAttempt.contentType == "application/problem+json")

            // Unseal with shares 5, 1, 3; a duplicate and a corrupted share are refused on the way.
            var progress = try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[4]])
            #expect(progress["progress"] as? Int == 1 && progress["sealed"] as? Bool == true)
            #expect(try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[4]]).string("code") == "shamir.duplicate_share")
            var corrupted = Array(shares[0])
            corrupted[10] = corrupted[10] == "a" ? "b" : "a"
            #expect(try await client.call(.post, "/v1/sys/unseal", json: ["share": String(corrupted)]).string("code") == "shamir.corrupted_share")
            #expect(try await client.call(.post, "/v1/sys/unseal", json: ["share": "zz"]).status == 400)
            _ = try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[0]])
            progress = try await client.call(.post, "/v1/sys/unseal", json: ["share": shares[2]])
            #expect(progress["sealed"] as? Bool == false)
            let opened = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: appToken,
                                               json: ["wrapped": dataKey.string("wrapped"), "context": ["r": "1"]])
            #expect(opened.string("plaintext") == dataKey.string("plaintext"))
            return (shares, rootToken, dataKey.string("wrapped"))
        }

        // Restart: a new core over the same store and audit log starts sealed.
        let restarted = try await harness.makeCore()
        #expect(restarted.status.sealed && restarted.status.initialized)
        try await harness.application(restarted).test(.router) { client async throws in
            // Shares from another server, sent first, are refused one by one and block nothing.
            let stranger = try SealInitializer.shamir(shares: 5, threshold: 3).2.map { $0.withEncodedBytes { $0.hexString } }
            for share in stranger.prefix(3) {
                #expect(try await client.call(.post, "/v1/sys/unseal", json: ["share": share]).string("code") == "shamir.mixed_share_sets")
            }
            #expect(try await client.call(.get, "/v1/sys/seal-status")["progress"] as? Int == 0)
            for share in [shares[3], shares[1], shares[2]] {
                _ = try await client.call(.post, "/v1/sys/unseal", json: ["share": share])
            }
            #expect(try await client.call(.get, "/v1/sys/seal-status")["sealed"] as? Bool == false)
            let identity = try await client.call(.post, "/v1/identities", token: rootToken,
                                                 json: ["name": "app2", "role": "crypto", "tenant": "acme", "service": "payments"])
            let opened = try await client.call(.post, "/v1/tenants/acme/services/payments/unwrap", token: identity.string("token"),
                                               json: ["wrapped": wrapped, "context": ["r": "1"]])
            #expect(opened.status == 200)
            let verify = try await client.call(.post, "/v1/audit/verify", token: rootToken)
            #expect(verify["intact"] as? Bool == true, "\(verify.json)")
        }
    }

    @Test func autoUnsealWithOneKeystore() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let seal = SoftwareKeystore(name: "seal")
        harness.keystores.register(seal)
        let core = try await harness.makeCore()
        let rootToken = try await core.initializeWithKeystore(seal)
        await core.seal()

        let restarted = try await harness.makeCore()
        #expect(restarted.status.sealed)
        try await restarted.autoUnseal()
        #expect(!restarted.status.sealed)
        try await harness.application(restarted).test(.router) { client async throws in
            #expect(try await client.call(.get, "/v1/tenants", token: rootToken).status == 200)
            // Operator shares do not apply to an auto-unseal server.
            #expect(try await client.call(.post, "/v1/sys/unseal", json: ["share": "00"]).status == 400)
        }

        // A revoked seal credential leaves the next start sealed, with a clear error.
        seal.setStatus(.disabled(reason: "revoked"))
        let third = try await harness.makeCore()
        await #expect(throws: KeystoreError.disabled(seal.reference)) { try await third.autoUnseal() }
        #expect(third.status.sealed)
    }
}

/// Shares that never appear in the clear: encrypted to custodians, or held by keystores.
@Suite struct ProtectedShareTests {
    @Test func sharesEncryptedToCustodiansUnsealAfterDecryption() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let rsa = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        let x25519 = Curve25519.KeyAgreement.PrivateKey()
        let other = Curve25519.KeyAgreement.PrivateKey()
        let core = try await harness.makeCore()
        let publicKeys = [rsa.publicKey.pemRepresentation, x25519.publicKey.pemRepresentation, other.publicKey.pemRepresentation]
        let answer = try await harness.application(core).test(.router) { client async throws in
            // One key per share, or nothing is created.
            let wrongCount = try await client.call(.post, "/v1/sys/init", json: ["shares": 3, "threshold": 2, "sharePublicKeys": [publicKeys[0]]])
            #expect(wrongCount.status == 400)
            #expect(try await client.call(.get, "/v1/sys/seal-status")["initialized"] as? Bool == false)
            return try await client.call(.post, "/v1/sys/init", json: ["threshold": 2, "sharePublicKeys": publicKeys])
        }
        #expect(answer.status == 200 && answer["sharesEncrypted"] as? Bool == true)
        let encrypted = try #require(answer["shares"] as? [String]).map { Data(base64Encoded: $0)! }
        #expect(encrypted.count == 3)

        await core.seal()
        let restarted = try await harness.makeCore()
        _ = try await restarted.submitShare(try CustodianKey.decrypt(encrypted[1], privateKeyPEM: x25519.pemRepresentation))
        _ = try await restarted.submitShare(try CustodianKey.decrypt(encrypted[0], privateKeyPEM: rsa.pemRepresentation))
        #expect(!restarted.status.sealed)
    }

    @Test func shardKeystoresUnsealTheServerWithoutPeople() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let shards = (1...3).map { SoftwareKeystore(name: "shard-\($0)") }
        for shard in shards { harness.keystores.register(shard) }
        let core = try await harness.makeCore()
        let references = shards.map { ["provider": $0.reference.provider, "key": $0.reference.key] }
        let answer = try await harness.application(core).test(.router) { client async throws in
            try await client.call(.post, "/v1/sys/init", json: ["threshold": 2, "shardKeystores": references])
        }
        #expect(answer.status == 200 && (answer["shares"] as? [String])?.isEmpty == true, "\(answer.json)")
        await core.seal()
        shards[1].setStatus(.unreachable(reason: "network"))
        let restarted = try await harness.makeCore()
        #expect(restarted.status.kind == "shard-keystores")
        try await restarted.autoUnseal()
        #expect(!restarted.status.sealed)
    }
}
