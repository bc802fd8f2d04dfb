import ArgumentParser
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `openkcm kmip client-cert NAME --tenant T --service S`: a key pair made
/// here, its certificate issued by the server's KMIP client CA, printed as one
/// PEM bundle (private key, certificate, CA) a KMIP client loads as is.
struct KMIPClientCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-cert",
        abstract: "Make a KMIP client key here, have the server's CA certify it for (tenant, service), and print the PEM bundle.",
        discussion: """
            The private key is made on this machine and never sent: the server sees only the public key. \
            The bundle holds the private key, the client certificate and the server's KMIP client CA; give it to the \
            client as its certificate and key file (PyKMIP: certfile and keyfile). Use --out to write it to a new file with mode 0600.
            """
    )

    @OptionGroup var client: ClientOptions
    @Argument(help: "A name for the client (the certificate's CN).") var name: String
    @Option(help: "Tenant the client is bound to.") var tenant: String
    @Option(help: "Service the client is bound to.") var service: String
    @Option(help: "Days the certificate is valid (1 to 3650).") var days: Int = 365
    @Option(name: .customLong("public-key-file"), help: "Certify this public key (PEM) instead of making one; the bundle then has no private key.")
    var publicKeyFile: String?
    @Option(help: "Write the bundle to this new file (mode 0600) instead of standard output.") var out: String?

    /// Creates `path` with mode 0600 from the start (never a moment readable by others), refusing to replace a file.
    static func writeNew(_ path: String, _ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CLIFailure("cannot create \(path): \(String(cString: strerror(errno))) (it must not exist yet)") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw CLIFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += count
        }
    }

    func run() async throws {
        try await runReporting {
            let api = client.client()
            var privateKey: P256.Signing.PrivateKey?
            let publicKey: String
            if let publicKeyFile {
                guard let pem = try? String(contentsOfFile: publicKeyFile, encoding: .utf8) else { throw CLIFailure("cannot read \(publicKeyFile)") }
                publicKey = pem
            } else {
                let key = P256.Signing.PrivateKey()
                privateKey = key
                publicKey = key.publicKey.pemRepresentation
            }
            let answer = try await api.call(.POST, "/v1/kmip/clients", body: [
                "name": name, "tenant": tenant, "service": service, "publicKey": publicKey, "days": days,
            ])
            guard let certificate = answer["certificate"] as? String, let authority = answer["caCertificate"] as? String else {
                throw CLIFailure("the server's answer has no certificate", exitCode: 3)
            }
            let bundle = (privateKey.map { $0.pemRepresentation + "\n" } ?? "") + certificate + authority
            let identity = answer["identity"] as? [String: Any] ?? [:]
            if let out {
                try Self.writeNew(out, bundle)
                Console.error("KMIP client \(Table.text(identity["id"])) (\(name)) for \(tenant)/\(service): bundle written to \(out)")
            } else {
                Console.out(bundle.hasSuffix("\n") ? String(bundle.dropLast()) : bundle)
                Console.error("KMIP client \(Table.text(identity["id"])) (\(name)) for \(tenant)/\(service)")
            }
        }
    }
}
