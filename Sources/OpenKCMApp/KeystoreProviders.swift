public import AsyncHTTPClient
public import Foundation
import OpenKCMAWSKMS
import OpenKCMAzureKeyVault
import OpenKCMGCPKMS
import OpenKCMKeystoreHTTP
public import OpenKCMCore
import OpenKCMPKCS11
public import OpenKCMTransit

/// Registers the provider connections of `[keystores.<name>]`, so an L1 link
/// `{provider: <name>, key: <key reference>}` reaches the customer's key:
///
/// ```toml
/// [keystores.acme-aws]
/// type = "aws-kms"                 # credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
/// region = "eu-west-1"
/// endpoint = "https://kms.eu-west-1.amazonaws.com"   # optional
///
/// [keystores.acme-bao]
/// type = "transit"
/// address = "https://bao.acme.example:8200"
/// token_file = "/etc/openkcm/acme-bao.token"         # the token is read from a file, never written in here
/// mount = "transit"                                  # optional
/// ca_file = "/etc/openkcm/acme-ca.pem"               # optional, any HTTPS provider: trust only these CAs
///
/// [keystores.initech-hsm]
/// type = "pkcs11"
/// module = "/usr/lib/softhsm/libsofthsm2.so"
/// token_label = "initech"                            # the token is found by label, not slot number
/// pin_file = "/etc/openkcm/initech-hsm.pin"          # the user PIN, read from a file
/// mechanism = "aes-gcm"                              # optional: aes-gcm or aes-kwp; default: GCM when offered
///
/// [keystores.hooli-azure]
/// type = "azure-keyvault"
/// vault_url = "https://hooli.vault.azure.net"
/// tenant_id = "..."                                  # Entra ID tenant, and an app registration allowed wrapKey/unwrapKey/get
/// client_id = "..."
/// client_secret_file = "/etc/openkcm/hooli-azure.secret"
/// algorithm = "RSA-OAEP-256"                         # optional; A256KW for Managed HSM AES keys
///
/// [keystores.pied-gcp]
/// type = "gcp-kms"
/// credentials_file = "/etc/openkcm/pied-gcp.json"    # a service account key allowed cloudkms.cryptoKeyVersions.useToEncrypt/useToDecrypt and cryptoKeys.get
/// ```
public enum KeystoreProviders {
    /// Registers every section's connection (replacing one of the same name).
    /// Nothing is registered unless every section is valid.
    @discardableResult
    public static func register(_ sections: [String: [String: String]], into registry: KeystoreRegistry,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KeystoreConnections {
        var makers: [(String, @Sendable (String) -> any Keystore)] = []
        var connections = KeystoreConnections()
        do {
            for (name, fields) in sections.sorted(by: { $0.key < $1.key }) {
                try make(name, fields, environment: environment, into: &makers, &connections)
            }
        } catch {
            connections.shutDown()
            throw error
        }
        for (name, make) in makers { registry.registerProvider(name, make: make) }
        return connections
    }

    private static func make(_ name: String, _ fields: [String: String], environment: [String: String],
                             into makers: inout [(String, @Sendable (String) -> any Keystore)], _ connections: inout KeystoreConnections) throws {
            // A private CA for this provider: its own HTTP client, retired when the connection is replaced.
            let http = try fields["ca_file"].map { path -> HTTPClient in
                let client = try KeystoreHTTP.client(trustingCAFile: path)
                connections.httpClients.append(client)
                return client
            }
            switch fields["type"] {
            case "aws-kms":
                let endpoint = try fields["endpoint"].map { text -> URL in
                    guard let url = URL(string: text) else { throw SealError.misconfigured("keystores.\(name).endpoint is not a URL") }
                    return url
                }
                var environment = environment
                if let region = fields["region"] { environment["AWS_REGION"] = region }
                let client = try AWSKMSClient.fromEnvironment(endpoint: endpoint, environment: environment, http: http ?? AWSKMSClient.defaultHTTPClient)
                makers.append((name, { AWSKMSKeystore(keyID: $0, client: client, provider: name) }))
            case "transit":
                guard let address = fields["address"].flatMap(URL.init(string:)) else {
                    throw SealError.misconfigured("keystores.\(name) needs address = \"https://...\"")
                }
                guard let path = fields["token_file"],
                      let token = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                      !token.isEmpty
                else { throw SealError.misconfigured("keystores.\(name) needs a readable token_file") }
                let client = TransitClient(address: address, token: token, mount: fields["mount"] ?? "transit", namespace: fields["namespace"],
                                           http: http ?? TransitClient.defaultHTTPClient)
                connections.transitClients[name] = client
                makers.append((name, { TransitKeystore(keyName: $0, client: client, provider: name) }))
            case "pkcs11":
                guard let module = fields["module"], let tokenLabel = fields["token_label"] else {
                    throw SealError.misconfigured("keystores.\(name) needs module = \"/path/to/module.so\" and token_label")
                }
                guard let path = fields["pin_file"], var pin = FileManager.default.contents(atPath: path).map(Array.init) else {
                    throw SealError.misconfigured("keystores.\(name) needs a readable pin_file")
                }
                while let last = pin.last, last == 0x0A || last == 0x0D { pin.removeLast() }
                let mechanism: PKCS11WrapMechanism?
                switch fields["mechanism"] {
                case nil: mechanism = nil
                case "aes-gcm": mechanism = .aesGCM
                case "aes-kwp": mechanism = .aesKeyWrapPad
                case let other?: throw SealError.misconfigured("keystores.\(name).mechanism must be aes-gcm or aes-kwp, got \(other)")
                }
                let token = PKCS11Token(modulePath: module, tokenLabel: tokenLabel, pin: pin)
                pin.zeroize()
                makers.append((name, { PKCS11Keystore(label: $0, token: token, provider: name, mechanism: mechanism) }))
            case "azure-keyvault":
                guard let vault = fields["vault_url"].flatMap(URL.init(string:)), let tenantID = fields["tenant_id"], let clientID = fields["client_id"] else {
                    throw SealError.misconfigured("keystores.\(name) needs vault_url, tenant_id and client_id")
                }
                guard let path = fields["client_secret_file"],
                      let secret = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty
                else { throw SealError.misconfigured("keystores.\(name) needs a readable client_secret_file") }
                let authority = try fields["authority"].map { text -> URL in
                    guard let url = URL(string: text) else { throw SealError.misconfigured("keystores.\(name).authority is not a URL") }
                    return url
                } ?? URL(string: "https://login.microsoftonline.com")!
                let algorithm = fields["algorithm"] ?? "RSA-OAEP-256"
                guard ["RSA-OAEP-256", "A256KW"].contains(algorithm) else {
                    throw SealError.misconfigured("keystores.\(name).algorithm must be RSA-OAEP-256 or A256KW, got \(algorithm)")
                }
                let scope = vault.host?.hasSuffix(".managedhsm.azure.net") == true ? "https://managedhsm.azure.net/.default" : "https://vault.azure.net/.default"
                let keystoreHTTP = http.map { KeystoreHTTP(http: $0) } ?? KeystoreHTTP()
                let client = AzureKeyVaultClient(vault: vault, tokens: AzureKeyVaultClient.clientCredentials(
                    authority: authority, tenantID: tenantID, clientID: clientID, clientSecret: secret, scope: scope, http: keystoreHTTP), http: keystoreHTTP)
                makers.append((name, { AzureKeyVaultKeystore(keyName: $0, client: client, provider: name, algorithm: algorithm) }))
            case "gcp-kms":
                guard let path = fields["credentials_file"], let json = FileManager.default.contents(atPath: path) else {
                    throw SealError.misconfigured("keystores.\(name) needs a readable credentials_file (a service account key)")
                }
                let account = try GCPServiceAccount(json: json)
                let endpoint = try fields["endpoint"].map { text -> URL in
                    guard let url = URL(string: text) else { throw SealError.misconfigured("keystores.\(name).endpoint is not a URL") }
                    return url
                } ?? URL(string: "https://cloudkms.googleapis.com")!
                let keystoreHTTP = http.map { KeystoreHTTP(http: $0) } ?? KeystoreHTTP()
                let client = GCPKMSClient(endpoint: endpoint, tokens: account.tokens(http: keystoreHTTP), http: keystoreHTTP)
                makers.append((name, { GCPKMSKeystore(keyName: $0, client: client, provider: name) }))
            case let type:
                throw SealError.misconfigured(
                    "keystores.\(name).type must be aws-kms, transit, pkcs11, azure-keyvault or gcp-kms, got \(type ?? "nothing")")
            }
    }
}

/// What ``KeystoreProviders/register(_:into:environment:)`` made: the transit
/// connections (their tokens are renewed) and the HTTP clients made for
/// providers with their own CA, which are shut down when replaced.
public struct KeystoreConnections: Sendable {
    public var transitClients: [String: TransitClient] = [:]
    public var httpClients: [HTTPClient] = []

    public init() {}

    /// Shuts the HTTP clients down after `delay`, so calls already under way finish.
    public func shutDown(after delay: Duration = .zero) {
        guard !httpClients.isEmpty else { return }
        let clients = httpClients
        Task {
            try? await Task.sleep(for: delay)
            for client in clients { try? await client.shutdown() }
        }
    }
}
