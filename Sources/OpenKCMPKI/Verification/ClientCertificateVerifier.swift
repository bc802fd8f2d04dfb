public import X509

/// Verifies a TLS client's certificate chain with swift-certificates' RFC 5280
/// verifier: from the leaf, through the intermediates the client presented,
/// to one of the trusted anchors, each signature, validity period, basic
/// constraint, path length and name constraint checked, and the leaf fit for
/// client authentication (``ClientAuthenticationPolicy``).
///
/// Enterprise PKIs issue from intermediates: a client presents its leaf and
/// the intermediates, and only the root is trusted here. An intermediate the
/// client presents is only ever a candidate; it is never trusted on its own.
public struct ClientCertificateVerifier: Sendable {
    /// The CAs a chain may end at (self-signed roots, or a configured CA file's certificates).
    public let anchors: [Certificate]
    /// The anchors as the verifier looks them up, made once: a verifier serves every handshake until the anchors change.
    private let store: CertificateStore

    public init(anchors: [Certificate]) {
        self.anchors = anchors
        self.store = CertificateStore(anchors)
    }

    /// At most this many certificates are read from a client: deeper PKIs do not exist in practice.
    public static let maximumPresented = 8

    /// The verified chain, leaf first and ending at one of ``anchors``, for the
    /// certificates a client presented (DER, leaf first), valid now. Throws
    /// ``PKIError/untrusted(_:)`` with the verifier's reasons otherwise.
    public func verify(presented: [[UInt8]]) async throws(PKIError) -> [Certificate] {
        guard let first = presented.first else { throw .untrusted("no certificate presented") }
        guard presented.count <= Self.maximumPresented else { throw .untrusted("more than \(Self.maximumPresented) certificates presented") }
        let leaf = try Certificate.parse(derEncoded: first)
        var intermediates: [Certificate] = []
        for der in presented.dropFirst() {
            // A presented certificate that does not parse cannot be part of a chain: it is left out, not fatal.
            if let certificate = try? Certificate.parse(derEncoded: der) { intermediates.append(certificate) }
        }
        var verifier = Verifier(rootCertificates: store) {
            // Validity is checked against the current time.
            RFC5280Policy()
            ClientAuthenticationPolicy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let chain):
            return Array(chain)
        case .couldNotValidate(let failures):
            let reasons = failures.prefix(3).map { "\($0.policyFailureReason)" }
            throw .untrusted(reasons.isEmpty ? "no chain to a trusted CA" : reasons.joined(separator: "; "))
        }
    }
}
