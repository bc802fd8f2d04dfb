import Foundation
import NIOHTTP1
import Testing
import OpenKCMAWSKMS
import OpenKCMCore
import OpenKCMServer
import OpenKCMTestSupport
import OpenKCMTransit
import OpenKCMApp

/// Three customers' KMSs on the real peers: `acme-aws` (moto), `globex-bao`
/// (OpenBao) and `umbrella-hsm` (SoftHSM2), registered as configured
/// connections, each with a fresh key made on the customer's side.
struct CustomerKMSPeers {
    let aws: AWSKMSClient
    let awsKey: String
    let transit: TransitClient
    let baoKey: String
    let hsm: SoftHSMPeer
    let hsmKey: String
    /// The `[keystores.<name>]` sections the three connections were made from.
    let sections: [String: [String: String]]
    static let environment = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]

    /// Registers the three connections into `registry`; the one named `down`
    /// points at nothing (a closed port, or a token that is not there).
    func register(into registry: KeystoreRegistry, down: String? = nil) throws {
        var sections = sections
        switch down {
        case "acme-aws"?: sections["acme-aws"]?["endpoint"] = "http://127.0.0.1:9"
        case "globex-bao"?: sections["globex-bao"]?["address"] = "http://127.0.0.1:9"
        case "umbrella-hsm"?: sections["umbrella-hsm"]?["token_label"] = "not-plugged-in"
        default: break
        }
        try KeystoreProviders.register(sections, into: registry, environment: Self.environment)
    }

    /// Each connection's key, as an L1, seal or shard reference.
    var references: [KeystoreReference] {
        [.init(provider: "acme-aws", key: awsKey), .init(provider: "globex-bao", key: baoKey), .init(provider: "umbrella-hsm", key: hsmKey)]
    }

    /// Nil when the peers are not running (and then a recorded failure under OPENKCM_REQUIRE_PEERS=1).
    static func start(in harness: ServerHarness) async throws -> CustomerKMSPeers? {
        guard let moto = Peers.url("OPENKCM_MOTO_URL"), let bao = Peers.url("OPENKCM_BAO_URL"), let hsm = SoftHSMPeer.fromEnvironment() else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_MOTO_URL / OPENKCM_BAO_URL / OPENKCM_SOFTHSM_MODULE"))) }
            return nil
        }
        let tokenFile = harness.directory.appendingPathComponent("bao.token")
        try "root\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let pinFile = harness.directory.appendingPathComponent("hsm.pin")
        try "\(hsm.pin)\n".write(to: pinFile, atomically: true, encoding: .utf8)
        let sections = [
            "acme-aws": ["type": "aws-kms", "endpoint": moto.absoluteString, "region": "eu-west-1"],
            "globex-bao": ["type": "transit", "address": bao.absoluteString, "token_file": tokenFile.path],
            "umbrella-hsm": ["type": "pkcs11", "module": hsm.module, "token_label": hsm.tokenLabel, "pin_file": pinFile.path],
        ]
        try KeystoreProviders.register(sections, into: harness.keystores, environment: Self.environment)

        let aws = AWSKMSClient(endpoint: moto, region: "eu-west-1", credentials: .init(accessKeyID: "testing", secretAccessKey: "testing"))
        let created = try await aws.call("CreateKey", [:], reference: KeystoreReference(provider: "acme-aws", key: "new"))
        let awsKey = try #require((created["KeyMetadata"] as? [String: Any])?["KeyId"] as? String)
        let transit = TransitClient(address: bao, token: "root")
        let baoKey = "globex-l1-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await transit.call(.POST, "transit/keys/\(baoKey)", [:], reference: KeystoreReference(provider: "globex-bao", key: baoKey))
        let hsmKey = "umbrella-l1-\(UUID().uuidString.prefix(8).lowercased())"
        try await hsm.makeKey(label: hsmKey)
        return CustomerKMSPeers(aws: aws, awsKey: awsKey, transit: transit, baoKey: baoKey, hsm: hsm, hsmKey: hsmKey, sections: sections)
    }
}
