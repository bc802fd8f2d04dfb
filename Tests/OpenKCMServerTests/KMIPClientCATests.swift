import Crypto
import Foundation
import OpenKCMCore
import OpenKCMPKI
@testable import OpenKCMServer
import OpenKCMTestSupport
import Testing

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
        let record = KMIPClientCARecord(privateKey: other.privateKeyRawRepresentation, certificate: Data(other.certificate.derEncoded))
        try await core.barrier.put(KMIPClientCARecord.storagePrefix + String(repeating: "0", count: 32), value: RecordCoder.encode(record))

        let second = try await operations.issueKMIPClientCertificate(
            name: "two", tenant: TenantID("acme"), service: ServiceID("payments"), publicKey: key, caller: caller)
        #expect(try Certificate(pemEncoded: second.certificate).isIssued(by: other.certificate))
        #expect(try Certificate(pemEncoded: first.certificate).isIssued(by: Certificate(pemEncoded: first.authority)))
        let snapshot = try await core.kmipClientTrust.reload(from: core.barrier)
        #expect(snapshot.clientCAs.count == 2)
        #expect(snapshot.roots.contains(other.certificate.derEncoded))
        #expect(snapshot.roots.contains(try Certificate(pemEncoded: first.authority).derEncoded), "the first CA's certificates stay trusted")
    }
}
