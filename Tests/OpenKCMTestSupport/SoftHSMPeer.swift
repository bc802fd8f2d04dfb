import CPKCS11
import Foundation
package import OpenKCMPKCS11
import OpenKCMCore

/// The SoftHSM2 token scripts/test initialises (module, token label, user PIN
/// in OPENKCM_SOFTHSM_*), and the customer's side of it: making the L1 key,
/// switching its usage off and on, destroying it with the token's own tool.
package struct SoftHSMPeer: Sendable {
    package let module: String
    package let tokenLabel: String
    package let pin: String

    /// Nil when SoftHSM2 is not set up (a failure under OPENKCM_REQUIRE_PEERS=1).
    package static func fromEnvironment(token: String? = nil) -> SoftHSMPeer? {
        let environment = ProcessInfo.processInfo.environment
        guard let module = environment["OPENKCM_SOFTHSM_MODULE"], let label = token ?? environment["OPENKCM_SOFTHSM_TOKEN"],
              let pin = environment["OPENKCM_SOFTHSM_PIN"] else { return nil }
        return SoftHSMPeer(module: module, tokenLabel: label, pin: pin)
    }

    /// The connection OpenKCM uses (read-only sessions).
    package func token() -> PKCS11Token {
        PKCS11Token(modulePath: module, tokenLabel: tokenLabel, pin: Array(pin.utf8))
    }

    /// The customer's own read/write connection, for set-up and the kill switch.
    private var customer: PKCS11Token {
        PKCS11Token(modulePath: module, tokenLabel: tokenLabel, pin: Array(pin.utf8), poolSize: 1, readWrite: true)
    }

    /// SoftHSM2's file store now and then fails a token-object write with
    /// CKR_GENERAL_ERROR while other threads of the same process use the token,
    /// so the customer's writes queue and are retried.
    private static let writes = KeyedAsyncLock<String>()

    private func customerWrite(_ body: @escaping @Sendable (PKCS11Session) throws -> Void) async throws {
        try await Self.writes.withLock(tokenLabel) {
            for attempt in 1... {
                do {
                    return try await customer.withSession(body)
                } catch PKCS11Failure.call(_, CK_RV(CKR_GENERAL_ERROR)) where attempt < 10 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    /// Generates a non-extractable AES-256 key labelled `label` on the token.
    package func makeKey(label: String) async throws {
        try await customerWrite { session in
            _ = try session.generateAESKey([
                .init(CKA_CLASS, ulong: CK_ULONG(CKO_SECRET_KEY)), .init(CKA_KEY_TYPE, ulong: CK_ULONG(CKK_AES)),
                .init(CKA_VALUE_LEN, ulong: 32), .init(CKA_LABEL, bytes: Array(label.utf8)),
                .init(CKA_TOKEN, bool: true), .init(CKA_PRIVATE, bool: true), .init(CKA_SENSITIVE, bool: true),
                .init(CKA_EXTRACTABLE, bool: false), .init(CKA_MODIFIABLE, bool: true),
                .init(CKA_ENCRYPT, bool: true), .init(CKA_DECRYPT, bool: true), .init(CKA_WRAP, bool: true), .init(CKA_UNWRAP, bool: true),
            ])
        }
    }

    /// The customer turns the key's usage off (or back on): every usage flag at once.
    package func setUsage(label: String, enabled: Bool) async throws {
        try await customerWrite { session in
            guard let key = try session.secretKey(label: label) else { throw PKCS11Failure.ambiguousLabel(label) }
            try session.setAttributes([CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP].map { .init($0, bool: enabled) }, of: key)
        }
    }

    /// Destroys the key with OpenSC's pkcs11-tool, in another process, as the customer would.
    package func destroyWithTool(label: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pkcs11-tool")
        process.arguments = ["--module", module, "--token-label", tokenLabel, "--login", "--pin", pin,
                             "--delete-object", "--type", "secrkey", "--label", label]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PKCS11Failure.load(path: "pkcs11-tool", reason: "exit \(process.terminationStatus)") }
    }
}
