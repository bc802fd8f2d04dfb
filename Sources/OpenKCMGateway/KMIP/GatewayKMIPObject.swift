import Foundation

/// A KMIP object at the gateway is its data key as the core wrapped it: the
/// Unique Identifier is `okg1-` and the wrapped blob in base64url. The gateway
/// stores nothing: Get, Encrypt and Decrypt unwrap it (through the cache), so
/// the core's kill switch and crypto-shredding reach KMIP clients as they
/// reach the SDK, and no object outlives its L3.
enum GatewayKMIPObject {
    static let prefix = "okg1-"

    /// Every KMIP object is wrapped under this context, so a record's data key
    /// from the SDK (other contexts) cannot be named as a KMIP object.
    static let context = ["purpose": "kmip-object"]

    static func identifier(wrapped base64: String) -> String {
        prefix + base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The wrapped blob (standard base64) an identifier names, or nil when it names none.
    static func wrapped(_ identifier: String) -> String? {
        guard identifier.hasPrefix(prefix), identifier.utf8.count <= 4096 else { return nil }
        var text = String(identifier.dropFirst(prefix.count))
        guard !text.isEmpty, text.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == 0x2D || $0 == 0x5F }) else { return nil }
        text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)
        guard Data(base64Encoded: text) != nil else { return nil }
        return text
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool { (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
