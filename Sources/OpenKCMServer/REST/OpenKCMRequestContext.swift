import Crypto
public import Hummingbird
import NIOCore
import NIOSSL
import OpenKCMCore

/// The per-request context: the caller established by ``RequestSetupMiddleware``.
public struct OpenKCMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling; the identity is nil without a valid token.
    public var caller: Caller
    /// The connection, for its TLS client certificate (a regional core's, at the governance plane).
    let channel: any Channel

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.caller = Caller(identity: nil, correlationID: "")
        self.channel = source.channel
    }

    /// SHA-256 (hex) of the client certificate this connection's TLS
    /// handshake verified against `[server] client_ca_file`; nil without one.
    func clientCertificateFingerprint() async -> String? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get(), let der = try? certificate.toDERBytes() else { return nil }
        return Array(SHA256.hash(data: der)).hexString
    }

    /// Room for a batch of 1,000 items; larger bodies get 413 problem+json.
    public var maxUploadSize: Int { 1024 * 1024 }
}
