import Crypto
import Foundation
import Synchronization
@testable import OpenKCMClient

/// A data key source in this process, for the SDK's own format tests: it
/// wraps with AES-GCM under a local key, bound to the context, like the core.
/// The SDK against the real core is tested in OpenKCMServerTests.
final class LocalDataKeySource: DataKeySource {
    let kek = SymmetricKey(size: .bits256)
    let wraps = Atomic<Int>(0)
    let unwraps = Atomic<Int>(0)

    func wrap(_ key: SymmetricKey, context: [String: String]) async throws(OpenKCMClientError) -> [UInt8] {
        wraps.add(1, ordering: .relaxed)
        let aad = try RecordContext.encode(context)
        let material = key.withUnsafeBytes { Array($0) }
        do { return Array(try AES.GCM.seal(material, using: kek, authenticating: aad).combined!) } catch { throw .malformed("seal") }
    }

    func unwrap(_ wrapped: [UInt8], context: [String: String]) async throws(OpenKCMClientError) -> SymmetricKey {
        unwraps.add(1, ordering: .relaxed)
        let aad = try RecordContext.encode(context)
        do {
            return SymmetricKey(data: try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: kek, authenticating: aad))
        } catch {
            throw .refused(code: "key.authentication_failed", status: 400, detail: "does not unwrap")
        }
    }
}
