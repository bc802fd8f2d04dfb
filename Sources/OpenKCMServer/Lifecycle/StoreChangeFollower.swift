package import OpenKCMCore
package import ServiceLifecycle

/// Listens to what the other nodes sharing the store commit
/// (``StorageChangeFeed``) and applies it to this node's memory
/// (``ServerCore/storeChanged(_:)``), so a lock, destruction or rotation made
/// on one node holds on this one within moments. Missing an announcement is
/// safe: ``StoreFreshness`` bounds how long anything is trusted without asking.
package struct StoreChangeFollower: Service {
    let feed: any StorageChangeFeed
    let core: ServerCore

    package init(feed: any StorageChangeFeed, core: ServerCore) {
        self.feed = feed
        self.core = core
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            for await change in feed.changes() {
                core.storeChanged(change)
            }
        }
    }
}
