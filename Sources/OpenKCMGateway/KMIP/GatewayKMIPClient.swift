/// A KMIP connection at the gateway: who it is, for logs (the SHA-256 of its verified client certificate).
public struct GatewayKMIPClient: Sendable, Hashable {
    public let certificateFingerprint: String
}
