import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// OAuth 2.0 Device Authorization Grant (RFC 8628) against the customer's
/// identity provider, found by OpenID Connect discovery: the CLI asks for a
/// user code, the person signs in on any browser, and the CLI polls the token
/// endpoint until the provider hands out the tokens.
struct DeviceAuthorization {
    let issuer: String
    let clientID: String
    let scope: String
    /// Where the person is told to go, and the code to type there.
    let prompt: (_ uri: String, _ code: String, _ complete: String?) -> Void

    /// The ID token (else the access token) once the person signed in; throws ``CLIFailure`` otherwise.
    func token() async throws -> String {
        guard RESTClient.mayCarryToken(issuer) else { throw CLIFailure("--issuer must be an https:// URL (plain http only on loopback)") }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let discovery = try await json(.GET, base + "/.well-known/openid-configuration", form: nil).object
        guard discovery["issuer"] as? String == issuer else { throw CLIFailure("the provider's discovery document names another issuer than \(issuer)") }
        guard let deviceEndpoint = discovery["device_authorization_endpoint"] as? String, RESTClient.mayCarryToken(deviceEndpoint) else {
            throw CLIFailure("the provider offers no device authorization flow: paste a token instead (openkcm login < token)")
        }
        guard let tokenEndpoint = discovery["token_endpoint"] as? String, RESTClient.mayCarryToken(tokenEndpoint) else {
            throw CLIFailure("the provider's discovery document has no usable token_endpoint")
        }
        let (status, device) = try await json(.POST, deviceEndpoint, form: ["client_id": clientID, "scope": scope])
        guard status == 200, let deviceCode = device["device_code"] as? String, let userCode = device["user_code"] as? String,
              let verification = device["verification_uri"] as? String else {
            throw CLIFailure("the provider refused the device authorization request: \(device["error"] as? String ?? "HTTP \(status)")")
        }
        prompt(verification, userCode, device["verification_uri_complete"] as? String)
        var interval = max(1, device["interval"] as? Int ?? 5)
        let deadline = Date().addingTimeInterval(Double(min(device["expires_in"] as? Int ?? 600, 1800)))
        while Date() < deadline {
            try await Task.sleep(for: .seconds(interval))
            let (status, answer) = try await json(.POST, tokenEndpoint, form: [
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode, "client_id": clientID,
            ])
            if status == 200, let token = answer["id_token"] as? String ?? answer["access_token"] as? String { return token }
            switch answer["error"] as? String {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            case "access_denied": throw CLIFailure("the sign-in was denied at the identity provider")
            case "expired_token": throw CLIFailure("the user code expired before the sign-in finished; run openkcm login again")
            default: throw CLIFailure("the provider's token endpoint answered \(answer["error"] as? String ?? "HTTP \(status)")")
            }
        }
        throw CLIFailure("the user code expired before the sign-in finished; run openkcm login again")
    }

    /// A JSON answer and its status; a form body when given.
    private func json(_ method: HTTPMethod, _ url: String, form: [String: String]?) async throws -> (status: Int, object: [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let body = form.sorted { $0.key < $1.key }.map { "\(Self.formEscape($0.key))=\(Self.formEscape($0.value))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response: HTTPClientResponse
        do { response = try await RESTClient.http.execute(request, timeout: .seconds(30)) } catch {
            throw CLIFailure("cannot reach the identity provider at \(url): \(error)", exitCode: 4)
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    private static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
