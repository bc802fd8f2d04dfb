public import Crypto
public import Foundation

/// AWS Signature Version 4, written on swift-crypto's HMAC-SHA256 and SHA-256,
/// and checked against AWS's published test suite.
///
/// The signer takes a request as method, raw path (with query), headers and
/// body, and returns the headers to add: `X-Amz-Date` (if absent),
/// `X-Amz-Security-Token` (with session credentials), `X-Amz-Content-Sha256`
/// is not used by KMS, and `Authorization`.
public struct SigV4Signer: Sendable {
    public struct Credentials: Sendable {
        public var accessKeyID: String
        /// Kept as key material: it only ever feeds HMAC.
        public var secretAccessKey: SymmetricKey
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
            self.sessionToken = sessionToken
        }
    }

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to the request so that it is signed.
    public func signatureHeaders(
        method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], date: Date
    ) -> [(name: String, value: String)] {
        let amzDate = Self.amzDate(date)
        var signed = headers
        var added: [(name: String, value: String)] = []
        if !headers.contains(where: { $0.name.lowercased() == "x-amz-date" }) {
            added.append(("X-Amz-Date", amzDate))
        }
        if let token = credentials.sessionToken, !headers.contains(where: { $0.name.lowercased() == "x-amz-security-token" }) {
            added.append(("X-Amz-Security-Token", token))
        }
        signed += added
        let authorization = self.authorization(method: method, path: path, headers: signed, body: body, amzDate: amzDate)
        return added + [("Authorization", authorization)]
    }

    /// The `Authorization` header value for a request whose headers are final.
    package func authorization(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], amzDate: String) -> String {
        let (canonical, signedHeaders) = Self.canonicalRequest(method: method, path: path, headers: headers, body: body)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature(stringToSign, day: String(amzDate.prefix(8))))"
    }

    package static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(hex(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    package func signature(_ stringToSign: String, day: String) -> String {
        func mac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
        }
        let signingKey = mac(mac(mac(mac(credentials.secretAccessKey, day), region), service), "aws4_request")
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey))
    }

    /// The canonical request and the signed-headers list.
    package static func canonicalRequest(
        method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]
    ) -> (String, String) {
        let (rawPath, rawQuery) = splitQuery(path)
        var combined: [String: [String]] = [:]
        for header in headers {
            combined[header.name.lowercased(), default: []].append(canonicalValue(header.value))
        }
        let names = combined.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(combined[$0, default: []].joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [
            method.uppercased(),
            canonicalURI(rawPath),
            canonicalQuery(rawQuery),
            canonicalHeaders,
            signedHeaders,
            hex(SHA256.hash(data: body)),
        ].joined(separator: "\n")
        return (request, signedHeaders)
    }

    static func splitQuery(_ path: String) -> (String, String) {
        guard let mark = path.firstIndex(of: "?") else { return (path, "") }
        return (String(path[..<mark]), String(path[path.index(after: mark)...]))
    }

    /// Dot segments removed, empty segments collapsed, each segment URI-encoded once.
    static func canonicalURI(_ path: String) -> String {
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(uriEncode(percentDecode(String(segment))))
            }
        }
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return "/" + segments.joined(separator: "/") + trailing
    }

    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { parameter -> (String, String) in
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = uriEncode(percentDecode(String(parts[0])))
            let value = parts.count > 1 ? uriEncode(percentDecode(String(parts[1]))) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Trimmed, each line of a folded value trimmed and joined with ",", runs of spaces collapsed.
    static func canonicalValue(_ value: String) -> String {
        value.split(separator: "\n", omittingEmptySubsequences: true)
            .map { line in line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ").trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: ",")
    }

    /// RFC 3986 encoding: everything but unreserved characters, hex in upper case.
    static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func percentDecode(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }

    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!  // safe: a fixed, valid identifier
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(value ?? 0).leftPadded(to: 2) }
        return "\(String(c.year ?? 1970).leftPadded(to: 4))\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
