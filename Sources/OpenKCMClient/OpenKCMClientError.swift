/// What can go wrong in the SDK, each with a message for people. None of
/// them carries key material or plaintext.
public enum OpenKCMClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not an OpenKCM record or stream of a version this SDK reads.
    case malformed(String)
    /// The data or its context does not match: tampered, truncated, reordered, or opened with another context.
    case authenticationFailed
    /// The context is over the limits (64 pairs, keys 1 to 255 bytes, values up to 1024 bytes).
    case invalidContext(String)
    /// The server refused the call: its problem code (e.g. `tenant.locked`), HTTP status and detail.
    case refused(code: String, status: Int, detail: String)
    /// The server could not be reached, or kept failing, after the retries.
    case unavailable(String)
    /// The server answered something this SDK cannot read.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .malformed(let why): "not an OpenKCM record: \(why)"
        case .authenticationFailed: "the data does not open with this key and context (tampered, truncated, reordered or another context)"
        case .invalidContext(let why): "invalid encryption context: \(why)"
        case .refused(let code, let status, let detail): "refused by OpenKCM (\(status) \(code)): \(detail)"
        case .unavailable(let why): "OpenKCM is unavailable: \(why)"
        case .invalidResponse(let why): "unexpected answer from OpenKCM: \(why)"
        }
    }

    /// Worth retrying: the server may answer differently later.
    var isTransient: Bool {
        switch self {
        case .unavailable: true
        case .refused(_, let status, _): status == 429 || status == 502 || status == 503 || status == 504
        default: false
        }
    }
}
