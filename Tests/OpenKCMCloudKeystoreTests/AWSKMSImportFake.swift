import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// AWS KMS's key import as documented (moto answers 500 to it): a key made
/// with `Origin=EXTERNAL` waits in `PendingImport`; GetParametersForImport
/// gives an RSA-2048 public key and an import token; ImportKeyMaterial takes
/// the material encrypted with RSAES_OAEP_SHA_256. The fake checks the JSON
/// 1.1 protocol headers, the SigV4 Authorization header's shape, and every body field.
final class AWSKMSImportFake: Sendable {
    let violations = WireViolations()
    private let wrappingKey: Data
    private let state = Mutex<[String: String]>([:])
    /// Key id -> the material it holds once imported.
    let imported = Mutex<[String: Data]>([:])
    private let tokens = Mutex<Set<String>>([])

    init() throws {
        wrappingKey = try _RSA.Encryption.PrivateKey(keySize: .bits2048).derRepresentation
    }

    /// The id the fake gives a key material: its SHA-256 in hex.
    static func materialID(_ material: Data) -> String {
        SHA256.hash(data: material).map { String(format: "%02x", $0) }.joined()
    }

    func addExternalKey(_ id: String) { state.withLock { $0[id] = "PendingImport" } }

    static func error(_ type: String, _ message: String) -> Response {
        jsonResponse(.badRequest, ["__type": type, "message": message])
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/") { request, _ -> Response in
            if request.headers[.contentType] != "application/x-amz-json-1.1" { self.violations.record("Content-Type \(request.headers[.contentType] ?? "")") }
            let authorization = request.headers[.authorization] ?? ""
            let shape = #/^AWS4-HMAC-SHA256 Credential=[A-Za-z0-9]+/\d{8}/[a-z0-9-]+/kms/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/#
            if authorization.wholeMatch(of: shape) == nil { self.violations.record("Authorization \(authorization)") }
            if request.headers[HTTPField.Name("X-Amz-Date")!] == nil { self.violations.record("X-Amz-Date missing") }
            let target = request.headers[HTTPField.Name("X-Amz-Target")!] ?? ""
            let buffer = try await request.body.collect(upTo: 1 << 20)
            guard let body = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
                self.violations.record("\(target): body is not JSON")
                return Self.error("SerializationException", "")
            }
            let keyID = body["KeyId"] as? String ?? ""
            guard let keyState = self.state.withLock({ $0[keyID] }) else { return Self.error("NotFoundException", "Key '\(keyID)' does not exist") }
            switch target {
            case "TrentService.GetParametersForImport":
                if Set(body.keys) != ["KeyId", "WrappingAlgorithm", "WrappingKeySpec"] { self.violations.record("GetParametersForImport fields \(body.keys.sorted())") }
                guard body["WrappingAlgorithm"] as? String == "RSAES_OAEP_SHA_256", body["WrappingKeySpec"] as? String == "RSA_2048" else {
                    self.violations.record("GetParametersForImport \(body)")
                    return Self.error("ValidationException", "bad wrapping parameters")
                }
                guard keyState == "PendingImport" || keyState == "Enabled" else { return Self.error("UnsupportedOperationException", "not EXTERNAL") }
                let token = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
                self.tokens.withLock { _ = $0.insert(token) }
                let publicKey = try _RSA.Encryption.PrivateKey(derRepresentation: self.wrappingKey).publicKey.derRepresentation
                return jsonResponse(.ok, ["KeyId": "arn:aws:kms:eu-west-1:123456789012:key/\(keyID)", "ImportToken": token,
                                          "PublicKey": publicKey.base64EncodedString(), "ParametersValidTo": Date().timeIntervalSince1970 + 86_400])
            case "TrentService.ImportKeyMaterial":
                if !Set(body.keys).isSubset(of: ["KeyId", "ImportToken", "EncryptedKeyMaterial", "ExpirationModel", "ValidTo", "ImportType", "KeyMaterialDescription", "KeyMaterialId"])
                    || !Set(body.keys).isSuperset(of: ["KeyId", "ImportToken", "EncryptedKeyMaterial"]) {
                    self.violations.record("ImportKeyMaterial fields \(body.keys.sorted())")
                }
                if body["ExpirationModel"] as? String != "KEY_MATERIAL_DOES_NOT_EXPIRE" { self.violations.record("ExpirationModel \(body["ExpirationModel"] ?? "")") }
                guard let token = body["ImportToken"] as? String, self.tokens.withLock({ $0.contains(token) }) else {
                    return Self.error("InvalidImportTokenException", "import token is not valid")
                }
                guard let encrypted = (body["EncryptedKeyMaterial"] as? String).flatMap({ Data(base64Encoded: $0) }),
                      let material = try? _RSA.Encryption.PrivateKey(derRepresentation: self.wrappingKey).decrypt(encrypted, padding: .PKCS1_OAEP_SHA256)
                else { return Self.error("InvalidCiphertextException", "") }
                if let existing = self.imported.withLock({ $0[keyID] }), existing != Data(material) {
                    return Self.error("IncorrectKeyMaterialException", "The key material is not the key material previously imported.")
                }
                self.imported.withLock { $0[keyID] = Data(material) }
                self.state.withLock { $0[keyID] = "Enabled" }
                return jsonResponse(.ok, [:])
            case "TrentService.DescribeKey":
                // As AWS answers since key material rotation (2025): the current material's id, 64 hex digits.
                if Set(body.keys) != ["KeyId"] { self.violations.record("DescribeKey fields \(body.keys.sorted())") }
                var metadata: [String: Any] = ["KeyId": keyID, "KeyState": keyState, "Origin": "EXTERNAL", "KeySpec": "SYMMETRIC_DEFAULT"]
                if let material = self.imported.withLock({ $0[keyID] }) { metadata["CurrentKeyMaterialId"] = Self.materialID(material) }
                return jsonResponse(.ok, ["KeyMetadata": metadata])
            default:
                self.violations.record("unexpected target \(target)")
                return Self.error("UnknownOperationException", target)
            }
        }
        return router
    }
}
