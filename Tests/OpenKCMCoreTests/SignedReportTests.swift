import Crypto
import Foundation
import OpenKCMCore
import Testing

@Suite struct SignedReportTests {
    @Test func aSignedReportVerifiesAndAChangedOneDoesNot() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try SignedReport(payload: Data(#"{"a":1}"#.utf8), key: key)
        #expect(try signed.verified(expectedFingerprint: SignedReport.fingerprint(key.publicKey)) == Data(#"{"a":1}"#.utf8))
        var changed = signed
        changed.payload = Data(#"{"a":2}"#.utf8).base64EncodedString()
        #expect(throws: SignedReport.VerificationError.badSignature) { try changed.verified() }
    }
}
