public import Hummingbird
import OpenKCMCore

/// The per-request context: the caller established by ``RequestSetupMiddleware``.
public struct OpenKCMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling; the identity is nil without a valid token.
    public var caller: Caller

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.caller = Caller(identity: nil, correlationID: "")
    }

    /// Room for a batch of 1,000 items; larger bodies get 413 problem+json.
    public var maxUploadSize: Int { 1024 * 1024 }
}
