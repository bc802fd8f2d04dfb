import ArgumentParser
import Foundation

/// `openkcm l1 import --provider P --key K [--tenant T] [--material-file F]`: BYOK.
struct L1ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import customer key material (BYOK) into a provider as an L1, and optionally link a tenant to it.",
        discussion: """
            The material is a 256-bit AES key: 32 raw bytes, or 64 hex digits, or base64, read from --material-file \
            or standard input, never from a flag. It goes to the server, which wraps it for the provider \
            (AWS KMS: GetParametersForImport + ImportKeyMaterial with RSAES_OAEP_SHA_256, the key made with \
            Origin=EXTERNAL; transit: RSA-OAEP-SHA256 + AES-KWP to transit/wrapping_key, the key must not exist; \
            PKCS#11: C_UnwrapKey with AES-KWP, the label must be free) and never stores it. With --tenant, the tenant's \
            L2 is then rewrapped under the imported key (as `openkcm l1 link`); for a new tenant, import first and then \
            `openkcm tenant create --l1-provider P --l1-key K`.
            """
    )

    @OptionGroup var client: ClientOptions
    @Option(help: "The [keystores.<name>] connection.") var provider: String
    @Option(help: "The key at the provider: KMS key id or ARN, transit key name, PKCS#11 label.") var key: String
    @Option(help: "Link this tenant to the imported key afterwards.") var tenant: String?
    @Option(name: .customLong("material-file"), help: "File holding the key material (default: standard input).")
    var materialFile: String?

    func run() async throws {
        try await runReporting {
            var material = try readMaterial()
            defer { material.resetBytes(in: 0..<material.count) }
            let api = client.client()
            _ = try await api.call(.POST, "/v1/keystores/\(RESTClient.escape(provider))/import",
                                   body: ["key": key, "material": material.base64EncodedString()])
            guard let tenant else {
                api.show(["provider": provider, "key": key, "imported": true]) {
                    Table.pairs([("provider", provider), ("key", key), ("imported", true)])
                }
                return
            }
            let link = try await api.call(.PUT, "/v1/tenants/\(RESTClient.escape(tenant))/l1", body: ["provider": provider, "key": key])
            api.show(link) { L1Table.rows(link) }
        }
    }

    /// 32 raw bytes, 64 hex digits, or base64 of 32 bytes; anything else is refused.
    private func readMaterial() throws -> Data {
        let input: Data
        if let materialFile {
            guard let data = FileManager.default.contents(atPath: materialFile) else { throw CLIFailure("cannot read \(materialFile)") }
            input = data
        } else {
            input = FileHandle.standardInput.readDataToEndOfFile()
        }
        if input.count == 32 { return input }
        let text = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, let bytes = Self.hex(text) { return Data(bytes) }
        if let data = Data(base64Encoded: text), data.count == 32 { return data }
        throw CLIFailure("the key material must be a 256-bit key: 32 raw bytes, 64 hex digits, or base64 of 32 bytes")
    }

    private static func hex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
