import Foundation
import Testing
@testable import OpenKCMCore

/// JSON strings written for audit lines read back as the same text, whatever they hold.
@Suite struct JSONStringTests {
    @Test func stringsRoundTripThroughAJSONParser() throws {
        let texts = ["", "plain", "quote \" and backslash \\", "line\nfeed\r\ttab", "\u{0}\u{1}\u{1f}", "Lučić 鍵 🔑", "\\\"\\", "end\\"]
        for text in texts {
            var bytes: [UInt8] = []
            JSONWriter.appendString(text, to: &bytes)
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            #expect(parsed == text, "\(text.debugDescription) was written as \(String(decoding: bytes, as: UTF8.self))")
            #expect(!bytes.contains(where: { $0 < 0x20 }), "a control character left unescaped")
        }
    }

    @Test func hexIsLowercaseAndWhole() {
        #expect([0x00, 0x0f, 0xa0, 0xff].hexString == "000fa0ff")
        #expect([UInt8]().hexString == "")
    }
}
