import Foundation

/// One PEM block (RFC 7468): a label and the DER it carries.
public struct PEMDocument: Sendable, Hashable {
    public let label: String
    public let derBytes: [UInt8]

    public init(label: String, derBytes: [UInt8]) {
        self.label = label
        self.derBytes = derBytes
    }

    /// Every block in `text`, in order; text between blocks is ignored.
    public static func parseAll(_ text: String, limit: Int = 64) throws(PKIError) -> [PEMDocument] {
        var documents: [PEMDocument] = []
        var label: String?
        var body = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let current = label {
                if line == "-----END \(current)-----" {
                    guard let der = Data(base64Encoded: body), !der.isEmpty else { throw .malformed("the base64 of a \(current) block") }
                    documents.append(PEMDocument(label: current, derBytes: Array(der)))
                    guard documents.count <= limit else { throw .unsupported("more than \(limit) PEM blocks") }
                    label = nil
                    body = ""
                } else if line.hasPrefix("-----") {
                    throw .malformed("a PEM block without its END line")
                } else {
                    body += line
                }
            } else if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----"), line.count > 16 {
                label = String(line.dropFirst(11).dropLast(5))
            }
        }
        guard label == nil else { throw .malformed("a PEM block without its END line") }
        return documents
    }

    /// Base64 in lines of 64, as RFC 7468 writes it.
    public var pemString: String {
        let base64 = Data(derBytes).base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
