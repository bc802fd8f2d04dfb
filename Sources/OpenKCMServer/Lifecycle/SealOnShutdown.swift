import OpenKCMCore
public import ServiceLifecycle

/// Seals the core when the service group shuts down (SIGTERM, SIGINT), after
/// the HTTP server has drained: the MasterKey and every unwrapped key are
/// dropped; then the store is closed.
public struct SealOnShutdown: Service {
    let core: ServerCore
    let closeStorage: @Sendable () async -> Void

    public init(core: ServerCore, closeStorage: @escaping @Sendable () async -> Void = {}) {
        self.core = core
        self.closeStorage = closeStorage
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await core.seal()
        await closeStorage()
    }
}
