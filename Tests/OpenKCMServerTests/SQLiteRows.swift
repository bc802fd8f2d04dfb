import Foundation
import Testing

/// The rows of a stopped server's SQLite file, read and written with the
/// `sqlite3` shell as an operator without the MasterKey would: ciphertext in,
/// ciphertext out, as hex.
struct SQLiteRows {
    let database: String

    func sql(_ statement: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", database, statement]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 \(statement)")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The stored row (ciphertext, as hex) of every key that starts with `prefix`.
    func rows(_ prefix: String) throws -> [String: String] {
        precondition(!prefix.contains("'"))
        var rows: [String: String] = [:]
        for line in try sql("SELECT key || '|' || hex(value) FROM records WHERE substr(key, 1, \(prefix.utf8.count)) = '\(prefix)'")
            .split(separator: "\n") {
            let parts = line.split(separator: "|")
            rows[String(parts[0])] = String(parts[1])
        }
        return rows
    }

    /// The stored rows of exactly these keys.
    func rows(exactly keys: [String]) throws -> [String: String] {
        try keys.reduce(into: [:]) { found, key in
            if let row = try rows(key)[key] { found[key] = row }
        }
    }

    /// Writes each row back as it was, over whatever the key holds now.
    func putBack(_ rows: [String: String]) throws {
        for (key, hex) in rows {
            precondition(!key.contains("'"))
            _ = try sql("INSERT INTO records (key, value) VALUES ('\(key)', X'\(hex)') ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        }
    }

    func delete(_ keys: some Sequence<String>) throws {
        for key in keys {
            precondition(!key.contains("'"))
            _ = try sql("DELETE FROM records WHERE key = '\(key)'")
        }
    }
}
