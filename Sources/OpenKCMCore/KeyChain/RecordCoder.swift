package import Foundation

/// JSON for stored records. Records hold wrapped blobs and rules, never
/// plaintext keys, and are encrypted by the barrier before storage.
package enum RecordCoder {
    package static func encode<Record: Encodable>(_ record: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return try encoder.encode(record)
    }

    package static func decode<Record: Decodable>(_ type: Record.Type, from data: Data, at key: String) throws(BarrierError) -> Record {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = Timestamp.parse(try container.decode(String.self)) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a timestamp")
            }
            return date
        }
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw .recordCorrupted(key: key)
        }
    }
}
