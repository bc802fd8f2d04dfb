import Foundation
public import OpenKCMCore

/// One behaviour every ``Storage`` implementation must show. The suite is
/// plain throwing code so that every test target can run it against its own
/// store: in-memory, SQLite, and later PostgreSQL.
public struct StorageConformanceCheck: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (any Storage) async throws -> Void
    public var description: String { name }
}

/// A failed conformance expectation.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
}

func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(description: message()) }
}

/// A value that starts with `version`, as the barrier's records do.
func versioned(_ version: UInt64) -> Data {
    Data((0..<8).map { UInt8(truncatingIfNeeded: version >> UInt64(56 - 8 * $0)) }) + Data([0xAB])
}

public enum StorageConformance {
    /// Every check; each expects an empty store.
    public static let checks: [StorageConformanceCheck] = [
        StorageConformanceCheck(name: "get of a missing key is nil") { storage in
            try require(try await storage.get("missing/key") == nil, "expected nil")
        },
        StorageConformanceCheck(name: "put then get returns the same bytes") { storage in
            let value = Data((0...255).map { UInt8($0) })
            try await storage.put("a/b", value: value)
            try require(try await storage.get("a/b") == value, "value differs after put")
        },
        StorageConformanceCheck(name: "put replaces a value") { storage in
            try await storage.put("k", value: Data([1]))
            try await storage.put("k", value: Data([2, 3]))
            try require(try await storage.get("k") == Data([2, 3]), "value not replaced")
        },
        StorageConformanceCheck(name: "empty values are kept") { storage in
            try await storage.put("empty", value: Data())
            try require(try await storage.get("empty") == Data(), "empty value lost")
        },
        StorageConformanceCheck(name: "delete removes, and deleting a missing key is fine") { storage in
            try await storage.put("gone", value: Data([9]))
            try await storage.delete("gone")
            try await storage.delete("gone")
            try require(try await storage.get("gone") == nil, "value still present")
        },
        StorageConformanceCheck(name: "list returns exactly the keys with the prefix, sorted") { storage in
            for key in ["t/b", "t/a", "t/a/x", "u/a", "t", "s/z", "t~"] {
                try await storage.put(key, value: Data(key.utf8))
            }
            let listed = try await storage.list(prefix: "t/")
            try require(listed == ["t/a", "t/a/x", "t/b"], "list(prefix: t/) = \(listed)")
            try require(try await storage.list(prefix: "nothing/").isEmpty, "expected empty list")
            let all = try await storage.list(prefix: "")
            try require(all == ["s/z", "t", "t/a", "t/a/x", "t/b", "t~", "u/a"], "list(prefix: \"\") = \(all)")
        },
        StorageConformanceCheck(name: "list treats LIKE and glob characters literally") { storage in
            try await storage.put("p%/a", value: Data([1]))
            try await storage.put("p_/a", value: Data([1]))
            try await storage.put("pX/a", value: Data([1]))
            try require(try await storage.list(prefix: "p%/") == ["p%/a"], "% matched more than itself")
            try require(try await storage.list(prefix: "p_/") == ["p_/a"], "_ matched more than itself")
        },
        StorageConformanceCheck(name: "write applies puts and deletes in order") { storage in
            try await storage.put("w/old", value: Data([1]))
            try await storage.write([
                .put(key: "w/one", value: Data([1])),
                .put(key: "w/two", value: Data([2])),
                .delete(key: "w/old"),
                .put(key: "w/one", value: Data([11])),
            ])
            try require(try await storage.get("w/one") == Data([11]), "later put did not win")
            try require(try await storage.get("w/two") == Data([2]), "put missing")
            try require(try await storage.get("w/old") == nil, "delete not applied")
        },
        StorageConformanceCheck(name: "write with an invalid key applies nothing") { storage in
            do {
                try await storage.write([.put(key: "ok/one", value: Data([1])), .put(key: "bad//key", value: Data([2]))])
                throw ConformanceFailure(description: "invalid key accepted")
            } catch is StorageError {}
            try require(try await storage.get("ok/one") == nil, "partial write visible")
        },
        StorageConformanceCheck(name: "invalid keys are refused with StorageError.invalidKey") { storage in
            for key in ["", "/lead", "trail/", "a//b", "sp ace", "new\nline", String(repeating: "k", count: 513)] {
                do {
                    try await storage.put(key, value: Data([1]))
                    throw ConformanceFailure(description: "key \(key.debugDescription) accepted")
                } catch let error as StorageError {
                    guard case .invalidKey = error else { throw error }
                }
            }
        },
        StorageConformanceCheck(name: "concurrent writers do not lose updates") { storage in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<64 {
                    group.addTask {
                        try await storage.write([.put(key: "c/\(i)", value: Data([UInt8(i)])), .put(key: "c/last", value: Data([UInt8(i)]))])
                    }
                }
                try await group.waitForAll()
            }
            try require(try await storage.list(prefix: "c/").count == 65, "lost concurrent writes")
        },
        StorageConformanceCheck(name: "a write if absent applies once, then fails and applies nothing") { storage in
            try await storage.write([.put(key: "once", value: versioned(1))], if: [.absent(key: "once")])
            do {
                try await storage.write([.put(key: "once", value: versioned(2)), .put(key: "other", value: Data([1]))], if: [.absent(key: "once")])
                throw ConformanceFailure(description: "a second put-if-absent succeeded")
            } catch StorageError.conditionFailed(let key) {
                try require(key == "once", "failed condition names \(key)")
            }
            try require(try await storage.get("once") == versioned(1), "the losing write changed the value")
            try require(try await storage.get("other") == nil, "the losing write applied part of itself")
        },
        StorageConformanceCheck(name: "a write if version holds only at that version") { storage in
            try await storage.put("v", value: versioned(7))
            try await storage.put("short", value: Data([0, 0, 7]))
            for condition in [StorageCondition.version(key: "v", 6), .version(key: "v", 8), .version(key: "missing", 0), .version(key: "short", 7),
                              .absent(key: "v")] {
                do {
                    try await storage.write([.delete(key: "v")], if: [condition])
                    throw ConformanceFailure(description: "\(condition) held")
                } catch StorageError.conditionFailed {}
            }
            try await storage.write([.put(key: "v", value: versioned(8))], if: [.version(key: "v", 7), .absent(key: "missing")])
            try require(try await storage.get("v") == versioned(8), "the conditional put did not apply")
            // Conditions on several keys: all must hold.
            do {
                try await storage.write([.delete(key: "v")], if: [.version(key: "v", 8), .absent(key: "short")])
                throw ConformanceFailure(description: "a write with one failing condition of two applied")
            } catch StorageError.conditionFailed(let key) {
                try require(key == "short", "failed condition names \(key)")
            }
            try require(try await storage.get("v") == versioned(8), "a failed write deleted")
        },
        StorageConformanceCheck(name: "concurrent writers conditioned on one state: exactly one wins") { storage in
            try await storage.put("race", value: versioned(1))
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for writer in 0..<16 {
                    group.addTask {
                        do {
                            try await storage.write([.put(key: "race", value: versioned(2) + Data([UInt8(writer)]))], if: [.version(key: "race", 1)])
                            return writer
                        } catch StorageError.conditionFailed { return nil }
                    }
                }
                return try await group.reduce(into: [Int]()) { if let winner = $1 { $0.append(winner) } }
            }
            try require(winners.count == 1, "\(winners.count) writers won")
            try require(try await storage.get("race") == versioned(2) + Data([UInt8(winners[0])]), "the stored value is not the winner's")
        },
        StorageConformanceCheck(name: "read-modify-write with version conditions loses no update") { storage in
            try await storage.put("counter", value: versioned(0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        for _ in 0..<5 {
                            while true {
                                let stored = try await storage.get("counter") ?? Data()
                                let version = StorageCondition.version(of: stored) ?? 0
                                do {
                                    try await storage.write([.put(key: "counter", value: versioned(version + 1))], if: [.version(key: "counter", version)])
                                    break
                                } catch StorageError.conditionFailed {}
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = StorageCondition.version(of: try await storage.get("counter") ?? Data()) ?? 0
            try require(final == 80, "lost updates: \(final) of 80")
        },
        StorageConformanceCheck(name: "large values round-trip") { storage in
            let value = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try await storage.put("big", value: value)
            try require(try await storage.get("big") == value, "1 MiB value differs")
        },
        StorageConformanceCheck(name: "a snapshot holds every record in byte order of keys") { storage in
            try await storage.write([.put(key: "b/2", value: Data([2])), .put(key: "a", value: Data([1])), .put(key: "b/10", value: Data([10, 0]))])
            try await storage.put("~z", value: Data([3]))
            let snapshot = try await storage.snapshot()
            try require(snapshot.map(\.key) == ["a", "b/10", "b/2", "~z"], "keys: \(snapshot.map(\.key))")
            try require(snapshot.map(\.value) == [Data([1]), Data([10, 0]), Data([2]), Data([3])], "values differ")
        },
        StorageConformanceCheck(name: "a snapshot during writes sees each atomic write whole or not at all") { storage in
            try await storage.write([.put(key: "pair/a", value: versioned(0)), .put(key: "pair/b", value: versioned(0))])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for version in UInt64(1)...40 {
                        try await storage.write([.put(key: "pair/a", value: versioned(version)), .put(key: "pair/b", value: versioned(version))])
                    }
                }
                group.addTask {
                    for _ in 0..<20 {
                        let pair = try await storage.snapshot().filter { $0.key.hasPrefix("pair/") }
                        try require(pair.count == 2 && pair[0].value == pair[1].value, "a snapshot saw half a write")
                    }
                }
                try await group.waitForAll()
            }
        },
        StorageConformanceCheck(name: "load fills an empty store and refuses one in use") { storage in
            let records = (0..<300).map { StorageRecord(key: "r/\($0)", value: Data([UInt8($0 % 256), 1])) }
            try await storage.load(records)
            try require(try await storage.snapshot() == records.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }, "loaded records differ")
            do {
                try await storage.load([StorageRecord(key: "other", value: Data([9]))])
                throw ConformanceFailure(description: "load into a store in use was accepted")
            } catch StorageError.notEmpty {}
            try require(try await storage.get("other") == nil, "a refused load wrote a record")
            try require(try await storage.list(prefix: "").count == 300, "a refused load changed the store")
        },
    ]
}
