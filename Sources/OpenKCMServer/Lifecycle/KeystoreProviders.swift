public import Foundation
import OpenKCMAWSKMS
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
///
/// [keystores.initech-hsm]
/// type = "pkcs11"
/// module = "/usr/lib/softhsm/libsofthsm2.so"
/// token_label = "initech"                            # the token is found by label, not slot number
/// pin_file = "/etc/openkcm/initech-hsm.pin"          # the user PIN, read from a file
/// mechanism = "aes-gcm"                              # optional: aes-gcm or aes-kwp; default: GCM when offered
/// ```
public enum KeystoreProviders {
    /// Registers every section's connection (replacing one of the same name) and
    /// returns the transit connections, whose tokens ``TransitTokenRenewal`` keeps alive.
    /// Nothing is registered unless every section is valid.
    @discardableResult
    public static func register(_ sections: [String: [String: String]], into registry: KeystoreRegistry,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: TransitClient] {
        var makers: [(String, @Sendable (String) -> any Keystore)] = []
        var transitClients: [String: TransitClient] = [:]
        for (name, fields) in sections.sorted(by: { $0.key < $1.key }) {
            switch fields["type"] {
            case "aws-kms":
                let endpoint = try fields["endpoint"].map { text -> URL in
                    guard let url = URL(string: text) else { throw SealError.misconfigured("keystores.\(name).endpoint is not a URL") }
                    return url
                }
                var environment = environment
                if let region = fields["region"] { environment["AWS_REGION"] = region }
                let client = try AWSKMSClient.fromEnvironment(endpoint: endpoint, environment: environment)
                makers.append((name, { AWSKMSKeystore(keyID: $0, client: client, provider: name) }))
            case "transit":
                guard let address = fields["address"].flatMap(URL.init(string:)) else {
                    throw SealError.misconfigured("keystores.\(name) needs address = \"https://...\"")
                }
                guard let path = fields["token_file"],
                      let token = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                      !token.isEmpty
                else { throw SealError.misconfigured("keystores.\(name) needs a readable token_file") }
                let client = TransitClient(address: address, token: token, mount: fields["mount"] ?? "transit", namespace: fields["namespace"])
                transitClients[name] = client
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
            case let type:
                throw SealError.misconfigured("keystores.\(name).type must be aws-kms, transit or pkcs11, got \(type ?? "nothing")")
            }
        }
        for (name, make) in makers { registry.registerProvider(name, make: make) }
        return transitClients
    }
}
