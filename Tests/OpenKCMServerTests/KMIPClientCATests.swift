import Crypto
import Foundation
import OpenKCMCore
import OpenKCMPKI
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing
import X509

/// Two replicas can each make a KMIP client CA when they issue the first
/// certificate at the same moment (storage has no compare-and-swap): both stay
/// trusted, and from then on every replica issues with the same one.
@Suite struct KMIPClientCATests {
    @Test func aSecondClientCAIsTrustedAndTheSmallestIssues() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let (core, _) = try await harness.coreWithTenants(["acme"])
        let operations = Operations(core: core)
        let root = try await core.unsealed().identities.create(name: "root", role: .root).identity
        let caller = Caller(identity: root, correlationID: "t")
        let key = P256.Signing.PrivateKey().publicKey.pemRepresentation
        let first = try await operations.issueKMIPClientCertificate(
            name: "one", tenant: TenantID("acme"), service: ServiceID("payments"), publicKey: key, caller: caller)
        // What the other replica wrote meanwhile, under an id that sorts first.
        let other = try CertificateAuthority.create(
            subject: DistinguishedName(rfc4514: "CN=OpenKCM KMIP client CA other,O=OpenKCM"), notBefore: Date(), notAfter: Date().addingTimeInterval(86_400 * 3650))
        let record = KMIPClientCARecord(privateKey: other.privateKeyRawRepresentation, certificate: Data(other.certificate.derBytes))
        try await core.barrier.put(KMIPClientCARecord.storagePrefix + String(repeating: "0", count: 32), value: RecordCoder.encode(record))

        let second = try await operations.issueKMIPClientCertificate(
            name: "two", tenant: TenantID("acme"), service: ServiceID("payments"), publicKey: key, caller: caller)
        #expect(try Certificate.parse(pemEncoded: second.certificate).isIssued(by: other.certificate))
        #expect(try Certificate.parse(pemEncoded: first.certificate).isIssued(by: Certificate.parse(pemEncoded: first.authority)))
        let snapshot = try await core.kmipClientTrust.reload(from: core.barrier)
        #expect(snapshot.clientCAs.count == 2)
        #expect(snapshot.roots.contains(other.certificate.derBytes))
        #expect(snapshot.roots.contains(try Certificate.parse(pemEncoded: first.authority).derBytes), "the first CA's certificates stay trusted")
    }

    /// A customer renews its root (same subject, a new key): the id and the
    /// mappings stay, certificates from the new root map, and the old root is
    /// no longer trusted.
    @Test func aRenewedTrustedCAKeepsItsMappings() async throws {
        let harness = try ServerHarness()
        defer { harness.cleanUp() }
        let renewed = harness.directory.appendingPathComponent("renewed")
        try FileManager.default.createDirectory(at: renewed, withIntermediateDirectories: true)
        try KMIPListenerTests.makeCertificates(in: harness.directory)
        try KMIPListenerTests.makeCertificates(in: renewed)
        func pem(_ url: URL, _ name: String) throws -> String { try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) }
        let (core, _) = try await harness.coreWithTenants(["acme"])
        let operations = Operations(core: core)
        let caller = Caller(identity: try await core.unsealed().identities.create(name: "root", role: .root).identity, correlationID: "t")
        let added = try await operations.addTrustedKMIPCA(name: "customer", certificate: try pem(harness.directory, "ca.pem"), caller: caller)
        _ = try await operations.mapKMIPClientSubject(
            name: "db", tenant: TenantID("acme"), service: ServiceID("payments"), authority: added.id, subject: "CN=client", caller: caller)

        // Another subject, the same certificate, an unknown id: refused.
        let stranger = try CertificateAuthority.create(subject: DistinguishedName(rfc4514: "CN=Someone else"), notBefore: Date(), notAfter: Date().addingTimeInterval(86_400))
        await #expect(throws: KMIPClientError.self) { try await operations.renewTrustedKMIPCA(added.id, certificate: stranger.certificate.pemString, caller: caller) }
        await #expect(throws: KMIPClientError.self) { try await operations.renewTrustedKMIPCA(added.id, certificate: try pem(harness.directory, "ca.pem"), caller: caller) }
        await #expect(throws: KMIPClientError.self) { try await operations.renewTrustedKMIPCA(String(repeating: "a", count: 32), certificate: try pem(renewed, "ca.pem"), caller: caller) }

        let record = try await operations.renewTrustedKMIPCA(added.id, certificate: try pem(renewed, "ca.pem"), caller: caller)
        #expect(record.id == added.id && record.certificate != added.certificate)
        let snapshot = try await core.kmipClientTrust.reload(from: core.barrier)
        #expect(snapshot.roots == [Array(record.certificate)], "only the new root is trusted")
        let oldRoot = try Certificate.parse(pemEncoded: pem(harness.directory, "ca.pem"))
        let newRoot = try Certificate.parse(pemEncoded: pem(renewed, "ca.pem"))
        #expect(snapshot.authority(anchoring: oldRoot) == nil)
        #expect(snapshot.authority(anchoring: newRoot)?.record.id == added.id)
        let leaf = try Certificate.parse(pemEncoded: pem(renewed, "client.pem"))
        #expect(leaf.isIssued(by: newRoot))
        let identity = try await core.unsealed().identities.authenticate(
            certificateSubject: CertificateSubject(authority: added.id, subject: leaf.subject.rfc4514String))
        #expect(identity.name == "db")
    }
}
