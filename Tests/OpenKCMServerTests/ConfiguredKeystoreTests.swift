import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import NIOHTTP1
import OpenKCMAWSKMS
import OpenKCMCore
import OpenKCMTransit
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMApp

/// `[keystores.<name>]` connections let tenants link L1s in the customer's AWS
/// KMS (moto here) and OpenBao (a real one) through the REST API.
@Suite struct ConfiguredKeystoreTests {
    @Test func keystoreSectionsParseStrictly() throws {
        let file = try ConfigurationFile(parsing: """
            [keystores.acme-aws]
            type = "aws-kms"
            region = "eu-west-1"
            [keystores.acme-bao]
            type = "transit"
            address = "http://127.0.0.1:8200"
            token_file = "/tmp/token"
            """)
        let sections = try file.keystoreSections()
        #expect(sections["acme-aws"]?["region"] == "eu-west-1")
        #expect(sections["acme-bao"]?["token_file"] == "/tmp/token")
        #expect(throws: ConfigurationError.self) { try ConfigurationFile(parsing: "[keystores.x]\ntoken = \"s3cret\"") }
        #expect(throws: (any Error).self) {
            try KeystoreProviders.register(["x": ["type": "nope"]], into: KeystoreRegistry())
        }
    }

    @Test func tenantsLinkToAWSAndOpenBaoL1sThroughTheAPI() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        // The customers create their keys on their side.
        guard let peers = try await CustomerKMSPeers.start(in: harness) else { return }
        let (awsKey, baoKey) = (peers.awsKey, peers.baoKey)

        let core = try await harness.makeCore()
        let rootToken = try await core.initializeShamir(shares: 2, threshold: 2).rootToken
        try await harness.application(core).test(.router) { client async throws in
            for (tenant, provider, key) in [("acme", "acme-aws", awsKey), ("globex", "globex-bao", baoKey)] {
                let created = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": tenant, "l1": ["provider": provider, "key": key]])
                #expect(created.status == 201, "\(created.json)")
                #expect(try await client.call(.post, "/v1/tenants/\(tenant)/services", token: rootToken, json: ["id": "payments"]).status == 201)
                let identity = try await client.call(.post, "/v1/identities", token: rootToken,
                                                     json: ["name": tenant, "role": "crypto", "tenant": tenant, "service": "payments"])
                let app = identity.string("token")
                let dataKey = try await client.call(.post, "/v1/tenants/\(tenant)/services/payments/datakey", token: app, json: [:])
                try core.unsealed().keyChain.evictTenant(try TenantID(tenant))  // force the L1 unwrap at the customer's KMS
                let opened = try await client.call(.post, "/v1/tenants/\(tenant)/services/payments/unwrap", token: app,
                                                   json: ["wrapped": dataKey.string("wrapped")])
                #expect(opened.string("plaintext") == dataKey.string("plaintext"), "\(tenant): \(opened.json)")
            }
            // An unknown provider name is a clear 400.
            let unknown = try await client.call(.post, "/v1/tenants", token: rootToken, json: ["id": "x", "l1": ["provider": "nobody", "key": "k"]])
            #expect(unknown.status == 400 && unknown.string("code") == "keystore.unknown")
        }
    }

}
