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
        StorageConformanceCheck(name: "large values round-trip") { storage in
            let value = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try await storage.put("big", value: value)
            try require(try await storage.get("big") == value, "1 MiB value differs")
        },
    ]
}
