import NIOPosix

/// CPU-heavy KMIP work (RSA and EC key-pair generation, PBKDF2 and the other
/// derivations) on a thread of its own, off Swift's cooperative pool: an
/// RSA-4096 generation takes seconds, and on the pool it would hold a thread
/// every server task (HTTP, the data-key channel, other KMIP requests) needs.
/// One thread also bounds that work to one core, however many requests ask
/// for it at once; they wait their turn.
enum KMIPHeavyWork {
    private static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await thread.runIfActive(body)
    }
}

