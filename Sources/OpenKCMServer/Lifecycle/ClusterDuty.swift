import Foundation
import Logging
import OpenKCMCore

/// A pass a node runs every interval, alone among the nodes sharing a store:
/// with `leadership` the store picks the node (the others ask to take over
/// every `takeOverRetry`, and the holder shows the duty in `seal-status`);
/// without, this node runs it. Ends when the calling task is cancelled.
struct ClusterDuty {
    let name: String
    let core: ServerCore
    let leadership: (any StorageLeadership)?
    let takeOverRetry: Duration
    let logger: Logger

    func runEvery(_ interval: Duration, _ pass: @escaping @Sendable () async -> Void) async {
        let loop: @Sendable () async -> Void = {
            while !Task.isCancelled {
                await pass()
                try? await Task.sleep(for: interval)
            }
        }
        guard let leadership else { return await loop() }
        await leadership.lead(name, retry: takeOverRetry) { [core, logger, name] in
            logger.info("this node runs \(name) for every node sharing the store")
            core.setRunning(name, true)
            await loop()
            core.setRunning(name, false)
        }
    }
}
