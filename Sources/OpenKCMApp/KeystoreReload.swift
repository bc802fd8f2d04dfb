import Foundation
public import Logging
public import OpenKCMCore
public import ServiceLifecycle
import Synchronization
import UnixSignals
public import OpenKCMServer

/// SIGHUP: reads the configuration file's `[keystores.<name>]` sections again
/// and replaces every connection with one made from the new settings (rotated
/// token and PIN files, a new endpoint or CA), then tries auto-unseal again if
/// the server is still sealed. A file that no longer parses changes nothing.
/// Replaced connections' HTTP clients are shut down 30 s later, once calls
/// already under way are done.
public final class KeystoreReload: Service {
    let configurationFile: String
    let registry: KeystoreRegistry
    let renewal: TransitTokenRenewal
    let autoUnseal: AutoUnsealRetry
    let logger: Logger
    private let current: Mutex<KeystoreConnections>

    /// - Parameter connections: what the start-up registration made.
    public init(configurationFile: String, registry: KeystoreRegistry, connections: KeystoreConnections, renewal: TransitTokenRenewal,
                autoUnseal: AutoUnsealRetry, logger: Logger = Logger(label: "openkcm.keystores")) {
        self.configurationFile = configurationFile
        self.registry = registry
        self.current = Mutex(connections)
        self.renewal = renewal
        self.autoUnseal = autoUnseal
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // Cancelled at graceful shutdown, which ends the signal sequence.
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await self.reload()
            }
        }
    }

    /// One reload; returns whether the new settings were taken.
    @discardableResult
    public func reload() async -> Bool {
        do {
            guard let text = try? String(contentsOfFile: configurationFile, encoding: .utf8) else {
                throw ConfigurationError.unreadable(configurationFile)
            }
            let sections = try ConfigurationFile(parsing: text).keystoreSections()
            let connections = try KeystoreProviders.register(sections, into: registry)
            renewal.watch(connections.transitClients)
            let replaced = current.withLock { current in
                defer { current = connections }
                return current
            }
            replaced.shutDown(after: .seconds(30))
            logger.info("keystore connections reloaded", metadata: ["keystores": .string(sections.keys.sorted().joined(separator: ","))])
        } catch {
            logger.error("keystore reload failed; the previous connections stay", metadata: ["reason": .string("\(error)")])
            return false
        }
        await autoUnseal.attempt()
        return true
    }
}
