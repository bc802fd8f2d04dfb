import Foundation
import Testing

/// The published vectors in Resources/ttlv-vectors.json (sources named in the file).
struct TTLVVectors: Decodable {
    struct Vector: Decodable, CustomTestStringConvertible {
        let name: String
        let hex: String
        let kind: String?
        let version: String?
        var bytes: [UInt8] { Self.decodeHex(hex) }
        var testDescription: String { name }

        static func decodeHex(_ hex: String) -> [UInt8] {
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
    }

    let spec: [Vector]
    let messages: [Vector]

    static let all: TTLVVectors = {
        let url = Bundle.module.url(forResource: "Resources/ttlv-vectors", withExtension: "json")!
        return try! JSONDecoder().decode(TTLVVectors.self, from: Data(contentsOf: url))
    }()
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
