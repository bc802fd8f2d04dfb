public import Foundation
import OpenKCMAWSKMS
public import OpenKCMCore
import OpenKCMTransit

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
/// ```
public enum KeystoreProviders {
    public static func register(_ sections: [String: [String: String]], into registry: KeystoreRegistry,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        for (name, fields) in sections {
            switch fields["type"] {
            case "aws-kms":
                let endpoint = try fields["endpoint"].map { text -> URL in
                    guard let url = URL(string: text) else { throw SealError.misconfigured("keystores.\(name).endpoint is not a URL") }
                    return url
                }
                var environment = environment
                if let region = fields["region"] { environment["AWS_REGION"] = region }
                let client = try AWSKMSClient.fromEnvironment(endpoint: endpoint, environment: environment)
                registry.registerProvider(name) { AWSKMSKeystore(keyID: $0, client: client, provider: name) }
            case "transit":
                guard let address = fields["address"].flatMap(URL.init(string:)) else {
                    throw SealError.misconfigured("keystores.\(name) needs address = \"https://...\"")
                }
                guard let path = fields["token_file"],
                      let token = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                      !token.isEmpty
                else { throw SealError.misconfigured("keystores.\(name) needs a readable token_file") }
                let client = TransitClient(address: address, token: token, mount: fields["mount"] ?? "transit", namespace: fields["namespace"])
                registry.registerProvider(name) { TransitKeystore(keyName: $0, client: client, provider: name) }
            case let type:
                throw SealError.misconfigured("keystores.\(name).type must be aws-kms or transit, got \(type ?? "nothing")")
            }
        }
    }
}
