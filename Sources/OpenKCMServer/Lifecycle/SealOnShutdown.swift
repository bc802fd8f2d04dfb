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
        // Sealing and closing must happen even when the group is already cancelling its services
        // (a listener that did not drain in time): a cancelled lock wait would skip them, leaving
        // the MasterKey in memory and the store unclosed. A task of its own does not inherit the
        // cancellation; this one waits for it.
        let (core, closeStorage) = (self.core, self.closeStorage)
        await Task {
            await core.seal()
            await closeStorage()
        }.value
    }
}
