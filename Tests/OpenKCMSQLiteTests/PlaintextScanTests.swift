import Crypto
import Foundation
import Testing
@testable import OpenKCMCore
import OpenKCMSQLite
import OpenKCMTestSupport

/// Writes a key chain through the barrier into SQLite, then scans the database
/// file and its WAL for every L2, L2.1, L3 and L4 and for the MasterKey, as raw
/// bytes, hex and base64. None may be found.
@Suite struct PlaintextScanTests {
    @Test func noKeyMaterialReachesTheDatabaseFiles() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("openkcm.sqlite").path
        let storage = try await SQLiteStorage.open(path: path)
        let fixture = KeyChainFixture(storage: storage)
        let chain = fixture.chain

        var secrets: [[UInt8]] = [fixture.masterKey.key.withUnsafeBytes { Array($0) }]
        for t in ["acme", "globex", "initech"] {
            try await chain.createTenant(tenant(t), l1: fixture.l1.reference)
            for s in ["payments", "audit"] {
                try await chain.createService(service(s), tenant: tenant(t))
            }
            try await chain.rotateTenantKey(tenant(t))
            for s in ["payments", "audit"] {
                try await chain.rotateServiceKey(service(s), tenant: tenant(t))
                for _ in 0..<20 {
                    let dataKey = try await chain.generateDataKey(tenant: tenant(t), service: service(s))
                    secrets.append(dataKey.key.withUnsafeBytes { Array($0) })
                    // L4s are stored beside the data; store some through the barrier too.
                    try await fixture.barrier.put("data/\(t)/\(s)/\(secrets.count)", value: dataKey.wrapped)
                }
                _ = try await chain.generateDataKey(tenant: tenant(t), service: service(s))
            }
            secrets += chain.unsealedKeyMaterial(for: tenant(t)).map { $0.withUnsafeBytes { Array($0) } }
        }
        // 1 MasterKey + 3 tenants x (L2 + 2 L2.1 + 2 services x 2 L3 versions + 40 L4s)
        let expectedCount: Int = 1 + 3 * (1 + 2 + 4 + 40)
        #expect(secrets.count == expectedCount)
        #expect(Set(secrets).count == secrets.count)

        var files: [String: [UInt8]] = [:]
        for suffix in ["", "-wal"] {
            files[path + suffix] = Array(try Data(contentsOf: URL(fileURLWithPath: path + suffix)))
        }
        #expect((files[path + "-wal"]?.count ?? 0) > 0, "the WAL should hold the recent writes")
        try await storage.purgeDeleted()
        files[path + ".after-checkpoint"] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        try await storage.close()

        var found: [String] = []
        for (name, contents) in files {
            for (index, secret) in secrets.enumerated() {
                let forms: [[UInt8]] = [
                    secret,
                    Array(secret.hexString.utf8),
                    Array(Data(secret).base64EncodedString().utf8),
                    Array(secret.prefix(16)),
                    Array(secret.suffix(16)),
                ]
                for form in forms where Self.contains(contents, form) {
                    found.append("secret \(index) in \(name)")
                }
            }
        }
        #expect(found.isEmpty, "\(found)")
    }

    /// Crypto-shredding is final on disk: once a service or tenant is
    /// destroyed, its stored (encrypted) records are in neither the database
    /// file nor the WAL, so not even the MasterKey and the L1 together could
    /// bring them back.
    @Test func destroyedRecordsLeaveNoBytesOnDisk() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("openkcm.sqlite").path
        let storage = try await SQLiteStorage.open(path: path)
        let fixture = KeyChainFixture(storage: storage)
        let chain = fixture.chain
        try await chain.createTenant(tenant("acme"), l1: fixture.l1.reference)
        try await chain.createTenant(tenant("globex"), l1: fixture.l1.reference)
        try await chain.createService(service("audit"), tenant: tenant("acme"))
        try await chain.createService(service("payments"), tenant: tenant("acme"))
        try await chain.createService(service("payments"), tenant: tenant("globex"))

        func stored(_ key: String) async throws -> [UInt8] {
            Array(try #require(try await storage.get(key)))
        }
        let audit = try await stored("services/acme/audit")
        let acmeRecords = [try await stored("tenants/acme"), try await stored("services/acme/payments")]
        let globex = try await stored("tenants/globex")

        try await chain.destroyService(service("audit"), tenant: tenant("acme"))
        var files = try Self.read(path)
        #expect(!files.contains { Self.contains($0, Array(audit.suffix(48))) }, "destroyed service record still on disk")
        #expect(files.contains { Self.contains($0, Array(globex.suffix(48))) }, "the scan should find live records")

        try await chain.destroyTenant(tenant("acme"))
        files = try Self.read(path)
        for record in acmeRecords {
            #expect(!files.contains { Self.contains($0, Array(record.suffix(48))) }, "destroyed tenant record still on disk")
        }
        try await storage.close()
    }

    static func read(_ path: String) throws -> [[UInt8]] {
        try ["", "-wal"].compactMap { suffix in
            let url = URL(fileURLWithPath: path + suffix)
            return FileManager.default.fileExists(atPath: url.path) ? Array(try Data(contentsOf: url)) : nil
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
