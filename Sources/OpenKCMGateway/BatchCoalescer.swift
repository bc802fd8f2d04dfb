import Synchronization

/// Gathers concurrent requests into batches: while `inFlight` batches are
/// out, new requests queue, and the next batch takes everything queued (up
/// to `limit`). Under load batches grow by themselves; alone, a request goes
/// at once.
///
/// While another batch is out, a new one waits until as many requests are
/// queued as the last batch answered: the callers that batch released come
/// back one by one, and sending the first few alone would make many small
/// batches, each costing the core and the gateway a round trip. Nothing waits
/// longer than the batch in flight: when it returns, whatever is queued goes.
///
/// A lock, not an actor: a request only appends itself and perhaps takes a
/// batch, so a short critical section costs each caller less than a hop onto
/// an actor's executor and back, which at 64 callers was most of the gateway's
/// own time per key.
final class BatchCoalescer<Item: Sendable, Answer: Sendable>: Sendable {
    typealias Send = @Sendable ([Item]) async -> [Result<Answer, GatewayError>]
    private typealias Waiting = (item: Item, reply: CheckedContinuation<Answer, any Error>)

    private let send: Send
    private let limit: Int
    private let maximumInFlight: Int
    /// Bytes a batch may carry, by `cost`: the core takes request bodies up to 1 MiB.
    private let budget: Int
    private let cost: @Sendable (Item) -> Int
    /// Requests that may wait at once; past it, new ones are refused (the core is not keeping up).
    private let maximumQueued: Int
    /// Called with each batch's size, for metrics.
    private let observe: @Sendable (Int) -> Void
    /// Where batches are sent from: the event loop of the connection they go
    /// out on, so that writing a batch and reading its answer need no thread hop.
    private let executor: (any TaskExecutor)?

    private struct State {
        var queue: [Waiting] = []
        /// Where the queue's unsent requests start: taking a batch moves it instead of shifting the array.
        var head = 0
        var inFlight = 0
        /// How many requests the last batch to return carried.
        var lastAnswered = 1
        var queued: Int { queue.count - head }

        /// Whether a batch should go now: none is out, or enough are queued to fill one like the last.
        func shouldSend(maximumInFlight: Int) -> Bool {
            inFlight == 0 || (inFlight < maximumInFlight && queued >= lastAnswered)
        }
    }
    private let state = Mutex(State())

    init(limit: Int, inFlight: Int, budget: Int = 768 << 10, maximumQueued: Int = 100_000, cost: @escaping @Sendable (Item) -> Int = { _ in 1 },
         executor: (any TaskExecutor)? = nil, observe: @escaping @Sendable (Int) -> Void = { _ in }, send: @escaping Send) {
        self.executor = executor
        self.send = send
        self.limit = limit
        self.maximumInFlight = inFlight
        self.budget = budget
        self.maximumQueued = maximumQueued
        self.cost = cost
        self.observe = observe
    }

    func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { reply in
            let outcome = state.withLock { state -> Result<[Waiting]?, GatewayError> in
                guard state.queued < maximumQueued else {
                    return .failure(GatewayError(status: 503, code: "gateway.overloaded", detail: "too many requests are waiting for the core; retry"))
                }
                state.queue.append((item, reply))
                return .success(state.shouldSend(maximumInFlight: maximumInFlight) ? takeBatch(&state) : nil)
            }
            switch outcome {
            case .failure(let error): reply.resume(throwing: error)
            case .success(let batch?): start(batch)
            case .success(nil): break
            }
        }
    }

    /// The next batch from the queue, counted as in flight; nil if nothing waits.
    private func takeBatch(_ state: inout State) -> [Waiting]? {
        guard state.queued > 0 else { return nil }
        // Up to `limit` items and `budget` bytes; always at least one.
        var end = state.head
        var bytes = 0
        while end < state.queue.count && end - state.head < limit {
            bytes += cost(state.queue[end].item)
            if end > state.head && bytes > budget { break }
            end += 1
        }
        let batch = Array(state.queue[state.head..<end])
        state.head = end
        if state.head == state.queue.count {
            state.queue.removeAll(keepingCapacity: true)
            state.head = 0
        } else if state.head > 4096 {
            state.queue.removeFirst(state.head)
            state.head = 0
        }
        state.inFlight += 1
        return batch
    }

    private func start(_ batch: [Waiting]) {
        observe(batch.count)
        Task(executorPreference: executor) { [self] in
            let answers = await send(batch.map(\.item))
            for (index, entry) in batch.enumerated() {
                switch index < answers.count ? answers[index] : .failure(.unavailable("the core answered fewer items than were sent")) {
                case .success(let answer): entry.reply.resume(returning: answer)
                case .failure(let error): entry.reply.resume(throwing: error)
                }
            }
            let next = state.withLock { state -> [Waiting]? in
                state.inFlight -= 1
                state.lastAnswered = max(1, batch.count)
                return state.shouldSend(maximumInFlight: maximumInFlight) ? takeBatch(&state) : nil
            }
            if let next { start(next) }
        }
    }
}
