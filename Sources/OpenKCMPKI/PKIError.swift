/// Why a certificate, name or key was refused. Each case carries a message a
/// person can act on; none carries key material.
public enum PKIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not the DER (or PEM) they claim to be.
    case malformed(String)
    /// Well-formed, but outside what OpenKCM issues or reads.
    case unsupported(String)
    /// A distinguished name given as text does not parse.
    case invalidName(String)
    /// A certificate chain does not lead to a trusted CA (or its leaf is not fit for the use).
    case untrusted(String)

    public var description: String {
        switch self {
        case .malformed(let message): "malformed: \(message)"
        case .unsupported(let message): "unsupported: \(message)"
        case .invalidName(let message): "invalid distinguished name: \(message)"
        case .untrusted(let message): "untrusted: \(message)"
        }
    }
}
