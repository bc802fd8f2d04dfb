public import NIOCore

/// Runs a task's jobs on one event loop: a connection's work that prefers it
/// (`withTaskExecutorPreference`) stays on the thread that reads and writes
/// the connection, instead of hopping to another thread at every `await` and
/// back for every read and write. On a loaded 2-core machine those hops,
/// each a wake-up and a context switch, cost more than a batch's crypto.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
