public import Logging
public import ServiceLifecycle

/// Keeps trying a keystore seal while the server is sealed against its will:
/// a seal or shard keystore that was unreachable at start, or whose credential
/// was fixed later (a SIGHUP reloads it), unseals the server without a restart.
/// A server an operator sealed on purpose stays sealed.
public struct AutoUnsealRetry: Service {
    let core: ServerCore
    let interval: Duration
    let logger: Logger

    public init(core: ServerCore, interval: Duration = .seconds(10), logger: Logger = Logger(label: "openkcm.seal")) {
        self.core = core
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Cancelled at graceful shutdown, so a long sleep does not hold the shutdown up.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !Task.isCancelled { await attempt() }
            }
        }
    }

    /// One try, when one is wanted; logs the outcome.
    public func attempt() async {
        await core.refreshSealConfiguration()
        guard core.wantsAutoUnseal else { return }
        do {
            try await core.autoUnseal()
            if !core.status.sealed { logger.info("auto-unseal succeeded") }
        } catch {
            logger.error("auto-unseal failed; the server stays sealed", metadata: ["reason": .string("\(error)")])
        }
    }
}
