import Foundation
import OpenKCMCore
import OpenKCMPostgres
import OpenKCMTestSupport
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
}
