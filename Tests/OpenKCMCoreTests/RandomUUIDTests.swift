import Foundation
import Testing
import OpenKCMCore

@Suite struct RandomUUIDTests {
    @Test func theyAreVersionFourUUIDsAndDoNotRepeat() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let text = RandomUUID.make()
            let parsed = UUID(uuidString: text)
            #expect(parsed != nil && parsed?.uuidString.lowercased() == text, "\(text)")
            let bytes = parsed.map { withUnsafeBytes(of: $0.uuid) { Array($0) } } ?? []
            #expect(bytes.count == 16 && bytes[6] >> 4 == 4 && bytes[8] >> 6 == 2, "\(text)")
            seen.insert(text)
        }
        #expect(seen.count == 10_000)
    }
}
