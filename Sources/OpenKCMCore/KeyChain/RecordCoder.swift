import Foundation

/// JSON for stored records. Records hold wrapped blobs and rules, never
/// plaintext keys, and are encrypted by the barrier before storage.
enum RecordCoder {
    static func encode<Record: Encodable>(_ record: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(record)
    }

    static func decode<Record: Decodable>(_ type: Record.Type, from data: Data, at key: String) throws(BarrierError) -> Record {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw .recordCorrupted(key: key)
        }
    }
}
