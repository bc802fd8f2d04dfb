import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import OpenKCMPKI

/// Chains as an enterprise PKI makes them, with the openssl command line:
/// root -> intermediate -> leaf. Only the root is trusted; the client presents
/// the intermediate.
@Suite struct ClientCertificateVerifierTests {
    /// A root, an intermediate it signs, and leaves the intermediate signs, in `directory`.
    static func makePKI(in directory: URL, root: String = "root", leafExtensions: String = "extendedKeyUsage=clientAuth") throws {
        func run(_ arguments: [String]) throws { _ = try OpenSSL.run(arguments, in: directory) }
        try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(root).key", "-subj", "/O=Acme/CN=\(root)",
                 "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "\(root).pem"])
        try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(root)-int.key",
                 "-subj", "/O=Acme/CN=\(root) issuing", "-out", "\(root)-int.csr"])
        try "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
            .write(to: directory.appending(path: "int.ext"), atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(root)-int.csr", "-CA", "\(root).pem", "-CAkey", "\(root).key", "-days", "20", "-extfile", "int.ext",
                 "-out", "\(root)-int.pem"])
        try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(root)-leaf.key",
                 "-subj", "/O=Acme/OU=db/CN=mysql-01", "-out", "\(root)-leaf.csr"])
        try "basicConstraints=critical,CA:FALSE\n\(leafExtensions)\n".write(to: directory.appending(path: "leaf.ext"), atomically: true, encoding: .utf8)
        try run(["x509", "-req", "-in", "\(root)-leaf.csr", "-CA", "\(root)-int.pem", "-CAkey", "\(root)-int.key", "-days", "10", "-extfile", "leaf.ext",
                 "-out", "\(root)-leaf.pem"])
    }

    static func der(_ directory: URL, _ name: String) throws -> [UInt8] {
        try Certificate.parse(pemEncoded: String(contentsOf: directory.appending(path: name), encoding: .utf8)).derBytes
    }

    @Test func aChainThroughAPresentedIntermediateVerifiesToTheRoot() async throws {
        let directory = try OpenSSL.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makePKI(in: directory)
        let root = try Certificate.parse(derEncoded: Self.der(directory, "root.pem"))
        let verifier = ClientCertificateVerifier(anchors: [root])
        let chain = try await verifier.verify(presented: [Self.der(directory, "root-leaf.pem"), Self.der(directory, "root-int.pem")])
        #expect(chain.count == 3)
        #expect(chain.last == root)
        #expect(chain.first?.subject.rfc4514String == "CN=mysql-01,OU=db,O=Acme")
        // Without the intermediate there is no path.
        await #expect(throws: PKIError.self) { try await verifier.verify(presented: [Self.der(directory, "root-leaf.pem")]) }
    }

    @Test func anIntermediateOfAnotherRootIsRefused() async throws {
        let directory = try OpenSSL.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makePKI(in: directory)
        try Self.makePKI(in: directory, root: "stranger")
        let verifier = ClientCertificateVerifier(anchors: [try Certificate.parse(derEncoded: Self.der(directory, "root.pem"))])
        await #expect(throws: PKIError.self) {
            try await verifier.verify(presented: [Self.der(directory, "stranger-leaf.pem"), Self.der(directory, "stranger-int.pem")])
        }
        // Nor does a trusted chain's intermediate make the stranger's leaf valid.
        await #expect(throws: PKIError.self) {
            try await verifier.verify(presented: [Self.der(directory, "stranger-leaf.pem"), Self.der(directory, "root-int.pem")])
        }
    }

    @Test func aServerCertificateIsNoClientCertificate() async throws {
        let directory = try OpenSSL.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.makePKI(in: directory, leafExtensions: "extendedKeyUsage=serverAuth")
        let verifier = ClientCertificateVerifier(anchors: [try Certificate.parse(derEncoded: Self.der(directory, "root.pem"))])
        await #expect(throws: PKIError.self) {
            try await verifier.verify(presented: [Self.der(directory, "root-leaf.pem"), Self.der(directory, "root-int.pem")])
        }
    }

    @Test func garbageIsRefusedNotCrashed() async throws {
        let verifier = ClientCertificateVerifier(anchors: [])
        await #expect(throws: PKIError.self) { try await verifier.verify(presented: []) }
        await #expect(throws: PKIError.self) { try await verifier.verify(presented: [[0x30, 0x03, 0x02, 0x01, 0x00]]) }
        await #expect(throws: PKIError.self) { try await verifier.verify(presented: Array(repeating: [0x30], count: 9)) }
    }
}

extension ClientCertificateVerifierTests {
    /// What the server's own client CA issues verifies to it.
    @Test func theServersOwnCAsCertificatesVerify() async throws {
        let ca = try CertificateTests.authority()
        let leaf = try ca.issueClientCertificate(
            subject: DistinguishedName(rfc4514: "CN=acme-db,OU=payments,O=OpenKCM tenant acme"),
            publicKey: ClientPublicKey(P256.Signing.PrivateKey().publicKey), notBefore: Date().addingTimeInterval(-300), notAfter: Date().addingTimeInterval(86_400))
        let verifier = ClientCertificateVerifier(anchors: [ca.certificate])
        do {
            let chain = try await verifier.verify(presented: [leaf.derBytes, ca.certificate.derBytes])
            #expect(chain.count == 2)
        } catch {
            Issue.record("\(error)")
        }
        #expect(try await verifier.verify(presented: [leaf.derBytes]).count == 2)
    }
}
