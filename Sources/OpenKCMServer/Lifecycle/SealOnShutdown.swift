import OpenKCMCore
public import ServiceLifecycle

/// Seals the core when the service group shuts down (SIGTERM, SIGINT), after
/// the HTTP server has drained: the MasterKey and every unwrapped key are dropped.
public struct SealOnShutdown: Service {
    let core: ServerCore

    public init(core: ServerCore) {
        self.core = core
    }

    public func run() async throws {
        try? await gracefulShutdown()
        core.seal()
    }
}
