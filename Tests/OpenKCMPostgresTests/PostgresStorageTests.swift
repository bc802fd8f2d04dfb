import Foundation
import OpenKCMCore
import OpenKCMPostgres
import OpenKCMTestSupport
import Synchronization
import Testing

/// The PostgreSQL started by scripts/test (`OPENKCM_POSTGRES_URL`,
/// postgres://user:password@host:port/database); each test gets its own schema.
enum PostgresPeer {
    static func configuration(schema: String) -> PostgresStorageConfiguration? {
        guard let url = Peers.url("OPENKCM_POSTGRES_URL"), let host = url.host, let user = url.user else {
            if Peers.required { Issue.record(Comment(rawValue: Peers.missing("OPENKCM_POSTGRES_URL"))) }
            return nil
        }
        // Generous bounds and few connections per pool: the parallel test run shares two cores and one
        // PostgreSQL among many suites, and a test must not fail because the machine is busy.
        return PostgresStorageConfiguration(
            host: host, port: url.port ?? 5432, username: user, password: url.password,
            database: String(url.path.dropFirst()), schema: schema, tls: .disable,
            maximumConnections: 4, statementTimeout: .seconds(120), connectTimeout: .seconds(60))
    }

    static func newSchema() -> String { "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }
}

@Suite struct PostgresStorageConformanceTests {
    @Test(arguments: StorageConformance.checks)
    func conforms(check: StorageConformanceCheck) async throws {
        guard let configuration = PostgresPeer.configuration(schema: PostgresPeer.newSchema()) else { return }
        let storage = try await PostgresStorage.connect(configuration)
        do {
            try await check.run(storage)
        } catch {
            await storage.close()
            throw error
        }
        await storage.close()
    }
}

@Suite struct PostgresStorageTests {
    /// Two pools, as two replicas have: writers on both conditioned on one
    /// record's version; exactly one wins, whichever node it ran on.
    @Test func twoNodesConditionedOnOneVersionOneWins() async throws {
        guard let configuration = PostgresPeer.configuration(schema: PostgresPeer.newSchema()) else { return }
        let first = try await PostgresStorage.connect(configuration)
        let second = try await PostgresStorage.connect(configuration)
        for round in 0..<5 {
            let key = "race/\(round)"
            try await first.put(key, value: Self.version(1))
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        do {
                            try await (writer % 2 == 0 ? first : second).write(
                                [.put(key: key, value: Self.version(2) + Data([UInt8(writer)]))], if: [.version(key: key, 1)])
                            return writer
                        } catch StorageError.conditionFailed { return nil }
                    }
                }
                return try await group.reduce(into: [Int]()) { if let winner = $1 { $0.append(winner) } }
            }
            #expect(winners.count == 1, "round \(round): \(winners)")
            #expect(try await second.get(key) == Self.version(2) + Data([UInt8(winners.first ?? 0)]))
        }
        // Two first writes of one key from two nodes: one is made, the other is told.
        let made = try await withThrowingTaskGroup(of: Bool.self) { group in
            for node in [first, second] {
                group.addTask {
                    do {
                        try await node.write([.put(key: "init", value: Self.version(1))], if: [.absent(key: "init")])
                        return true
                    } catch StorageError.conditionFailed { return false }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(made == 1)
        await first.close()
        await second.close()
    }

    /// A value that starts with `value` as its version, as the barrier's records do.
    static func version(_ value: UInt64) -> Data {
        Data((0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) })
    }

    @Test func aBadSchemaNameOrAnUnreachableServerIsATypedError() async throws {
        guard var configuration = PostgresPeer.configuration(schema: "Robert'); DROP TABLE x;--") else { return }
        await #expect(throws: StorageError.self) { _ = try await PostgresStorage.connect(configuration) }
        configuration.schema = PostgresPeer.newSchema()
        configuration.port = 9
        configuration.connectTimeout = .seconds(2)
        configuration.statementTimeout = .seconds(1)
        await #expect(throws: StorageError.self) { _ = try await PostgresStorage.connect(configuration) }
    }

    /// Every commit, by any node, is announced to every listener on the
    /// schema (and only on it): by its keys, or as "unknown" when they would
    /// not fit an announcement; a listener starts with "unknown".
    @Test func commitsAreAnnouncedToEveryNodeListeningOnTheSchema() async throws {
        guard let configuration = PostgresPeer.configuration(schema: PostgresPeer.newSchema()) else { return }
        guard let elsewhere = PostgresPeer.configuration(schema: PostgresPeer.newSchema()) else { return }
        let writer = try await PostgresStorage.connect(configuration)
        let listener = try await PostgresStorage.connect(configuration)
        let other = try await PostgresStorage.connect(elsewhere)
        var changes = listener.changes().makeAsyncIterator()
        #expect(await changes.next() == .unknown)
        try await other.put("tenants/elsewhere", value: Data([1]))
        try await writer.write([.put(key: "tenants/acme", value: Data([1])), .delete(key: "services/acme/payments")], if: [])
        #expect(await changes.next() == .keys(["tenants/acme", "services/acme/payments"]))
        // A condition that fails commits nothing, and announces nothing.
        await #expect(throws: StorageError.self) {
            try await writer.write([.put(key: "tenants/acme", value: Data([2]))], if: [.absent(key: "tenants/acme")])
        }
        let many = (0..<400).map { StorageMutation.put(key: "kmip/objects/acme/\(String(repeating: "x", count: 20))-\($0)", value: Data([1])) }
        try await writer.write(many, if: [])
        #expect(await changes.next() == .unknown)
        try await writer.put("tenants/globex", value: Data([1]))
        #expect(await changes.next() == .keys(["tenants/globex"]))
        await writer.close()
        await listener.close()
        await other.close()
    }

    /// A duty runs on one node at a time; when that node stops (its lock's
    /// connection closes), another takes it over.
    @Test func oneNodeLeadsAndAnotherTakesOverWhenItStops() async throws {
        guard let configuration = PostgresPeer.configuration(schema: PostgresPeer.newSchema()) else { return }
        let nodes = [try await PostgresStorage.connect(configuration), try await PostgresStorage.connect(configuration)]
        let leading = Leaders()
        let tasks = nodes.enumerated().map { index, node in
            Task {
                await node.lead("duty", retry: .milliseconds(100)) {
                    leading.started(index)
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    leading.stopped(index)
                }
            }
        }
        #expect(try await Eventually.holds { leading.current.count == 1 })
        try await Task.sleep(for: .milliseconds(500))
        let first = try #require(leading.current.first)
        #expect(leading.current == [first] && leading.mostAtOnce == 1)
        tasks[first].cancel()
        await tasks[first].value
        #expect(try await Eventually.holds { leading.current == [1 - first] }, "\(leading.current)")
        #expect(leading.mostAtOnce == 1)
        tasks[1 - first].cancel()
        await tasks[1 - first].value
        for node in nodes { await node.close() }
    }
}

/// Which nodes run the duty now, and the most that ever did at once.
private final class Leaders: Sendable {
    private let state = Mutex<(current: Set<Int>, most: Int)>(([], 0))
    var current: Set<Int> { state.withLock { $0.current } }
    var mostAtOnce: Int { state.withLock { $0.most } }

    func started(_ node: Int) {
        state.withLock { state in
            state.current.insert(node)
            state.most = max(state.most, state.current.count)
        }
    }

    func stopped(_ node: Int) {
        _ = state.withLock { $0.current.remove(node) }
    }
}
