import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import OpenKCMPKI

@Suite struct CertificateTests {
    static let now = Date()

    static func authority() throws -> CertificateAuthority {
        try CertificateAuthority.create(
            subject: DistinguishedName(rfc4514: "CN=OpenKCM KMIP client CA test,O=OpenKCM"),
            notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(10 * 365 * 86_400))
    }

    @Test func issuedCertificatesParseBackAndChain() throws {
        let ca = try Self.authority()
        #expect(ca.certificate.isCertificateAuthority)
        #expect(ca.certificate.isIssued(by: ca.certificate))
        let clientKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName(rfc4514: "CN=mysql-01,OU=payments,O=acme")
        let leaf = try ca.issueClientCertificate(
            subject: subject, publicKey: ClientPublicKey(clientKey.publicKey),
            notBefore: Self.now, notAfter: Self.now.addingTimeInterval(86_400))
        #expect(leaf.subject == subject)
        #expect(leaf.issuer == ca.certificate.subject)
        #expect(!leaf.isCertificateAuthority)
        #expect(leaf.isIssued(by: ca.certificate))
        #expect(try Certificate.parse(pemEncoded: leaf.pemString) == leaf)
        #expect(try Certificate.parse(derEncoded: leaf.derBytes) == leaf)
        #expect(leaf.serialNumber.bytes.count == 20)
        let other = try Self.authority()
        #expect(!leaf.isIssued(by: other.certificate), "same name, another key")
    }

    @Test func aCAReadBackMustMatchItsKey() throws {
        let ca = try Self.authority()
        let again = try CertificateAuthority(privateKeyRawRepresentation: ca.privateKeyRawRepresentation, certificate: ca.certificate)
        #expect(again.certificate == ca.certificate)
        let other = try Self.authority()
        #expect(throws: PKIError.self) {
            try CertificateAuthority(privateKeyRawRepresentation: other.privateKeyRawRepresentation, certificate: ca.certificate)
        }
    }

    @Test func openSSLVerifiesWhatWeIssue() throws {
        let directory = try OpenSSL.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try Self.authority()
        let leaf = try ca.issueClientCertificate(
            subject: DistinguishedName(rfc4514: "CN=vcenter,O=tenant-a"), publicKey: ClientPublicKey(P256.Signing.PrivateKey().publicKey),
            // A minute back: X.509 times have whole seconds, and openssl may check within the second this one was made in.
            notBefore: Self.now.addingTimeInterval(-60), notAfter: Self.now.addingTimeInterval(86_400))
        try ca.certificate.pemString.write(to: directory.appending(path: "ca.pem"), atomically: true, encoding: .utf8)
        try leaf.pemString.write(to: directory.appending(path: "leaf.pem"), atomically: true, encoding: .utf8)
        let verified = try OpenSSL.run(["verify", "-purpose", "sslclient", "-x509_strict", "-CAfile", "ca.pem", "leaf.pem"], in: directory)
        #expect(verified.contains("leaf.pem: OK"))
        let text = try OpenSSL.run(["x509", "-in", "leaf.pem", "-noout", "-text", "-nameopt", "RFC2253"], in: directory)
        #expect(text.contains("Subject: CN=vcenter,O=tenant-a"))
        #expect(text.contains("TLS Web Client Authentication"))
        #expect(text.contains("CA:FALSE"))
    }

    @Test(arguments: ["rsa:2048", "ec:P-384", "ec:P-256"])
    func certificatesOpenSSLMakesParseAndVerify(_ algorithm: String) throws {
        let directory = try OpenSSL.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let caKey: [String] = algorithm.hasPrefix("rsa")
            ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca.key"]
            : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(algorithm.dropFirst(3))", "-out", "ca.key"]
        _ = try OpenSSL.run(caKey, in: directory)
        _ = try OpenSSL.run(["req", "-x509", "-new", "-key", "ca.key", "-subj", "/C=DE/O=Acme Corp/CN=Acme Issuing CA", "-days", "30", "-sha384",
                             "-addext", "basicConstraints=critical,CA:TRUE", "-out", "ca.pem"], in: directory)
        _ = try OpenSSL.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key"], in: directory)
        _ = try OpenSSL.run(["req", "-new", "-key", "leaf.key", "-subj", "/O=Acme Corp/OU=db/CN=mysql-01", "-out", "leaf.csr"], in: directory)
        _ = try OpenSSL.run(["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "7", "-sha256", "-out", "leaf.pem"], in: directory)
        let ca = try Certificate.parse(pemEncoded: String(contentsOf: directory.appending(path: "ca.pem"), encoding: .utf8))
        let leaf = try Certificate.parse(pemEncoded: String(contentsOf: directory.appending(path: "leaf.pem"), encoding: .utf8))
        #expect(ca.isCertificateAuthority)
        #expect(ca.subject.rfc4514String == "CN=Acme Issuing CA,O=Acme Corp,C=DE")
        #expect(leaf.subject.rfc4514String == "CN=mysql-01,OU=db,O=Acme Corp")
        #expect(leaf.isIssued(by: ca))
        #expect(ca.isIssued(by: ca))
        #expect(!ca.isIssued(by: leaf))
    }

    /// Seeded mutations of a real certificate: every one is parsed or refused, none crashes or hangs.
    @Test func mutatedCertificatesNeverCrash() async throws {
        let ca = try Self.authority()
        // Seconds of CPU: on a dispatch queue, not on one of the cooperative pool's threads that other tests' timers need.
        let parsed = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.mutate(ca)) }
        }
        #expect(parsed < Self.iterations)
    }

    /// 100,000 in the test run; `OPENKCM_PKI_FUZZ_ITERATIONS=5000000 swift test --filter mutatedCertificates` for a longer run.
    static let iterations = Int(ProcessInfo.processInfo.environment["OPENKCM_PKI_FUZZ_ITERATIONS"] ?? "") ?? 100_000

    static func mutate(_ ca: CertificateAuthority) -> Int {
        let seed = ca.certificate.derBytes
        var generator = SplitMix64(seed: 0x5EED_CE27)
        var parsed = 0
        for _ in 0..<iterations {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                case 2: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                }
                if bytes.isEmpty { bytes = [0x30] }
            }
            if let certificate = try? Certificate.parse(derEncoded: bytes) {
                parsed += 1
                _ = certificate.isIssued(by: ca.certificate)
            }
        }
        return parsed
    }
}

/// A small deterministic generator, so a failing mutation can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The `openssl` command line, as an independent implementation to check against.
enum OpenSSL {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "openkcm-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func run(_ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(description: "openssl \(arguments.joined(separator: " ")): \(text)") }
        return text
    }
}

/// Real-world DER: the machine's CA bundle (Debian's ca-certificates), when
/// present. Every root there is a self-signed CA that swift-certificates reads;
/// each one with a key OpenKCM serves must verify its own signature.
@Suite struct SystemRootTests {
    @Test func theSystemRootsParseAndVerifyThemselves() throws {
        guard let bundle = try? String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8) else { return }
        let documents = try PEMDocument.parseMultiple(pemString: bundle)
        var parsed = 0
        var verified = 0
        for document in documents where document.discriminator == "CERTIFICATE" {
            let root = try Certificate.parseAnchor(derEncoded: document.derBytes)
            parsed += 1
            #expect(root.isCertificateAuthority, "\(root.subject)")
            if root.isIssued(by: root) { verified += 1 }
        }
        #expect(parsed == documents.count)
        #expect(verified >= documents.count / 2, "\(verified) of \(documents.count) verified")
    }
}
