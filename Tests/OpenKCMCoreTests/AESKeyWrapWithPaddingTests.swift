import Crypto
import Foundation
import Testing
import OpenKCMCore

/// RFC 5649's own examples (section 6), round trips of every length around the
/// one-block boundary, and refusals of tampered or cut wraps.
@Suite struct AESKeyWrapWithPaddingTests {
    static let kek = SymmetricKey(data: [UInt8](hex: "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")!)

    @Test(arguments: [
        ("c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"),
        ("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"),
    ])
    func rfc5649Examples(key: String, wrapped: String) throws {
        let made = try AESKeyWrapWithPadding.wrap([UInt8](hex: key)!, using: Self.kek)
        #expect(made.hexString == wrapped)
        #expect(try AESKeyWrapWithPadding.unwrap([UInt8](hex: wrapped)!, using: Self.kek).hexString == key)
    }

    @Test func everyLengthRoundTripsAndTamperingIsRefused() throws {
        let kek = SymmetricKey(size: .bits256)
        for length in 1...72 {
            let material = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) })
            let wrapped = try AESKeyWrapWithPadding.wrap(material, using: kek)
            #expect(wrapped.count == 8 + ((length + 7) / 8) * 8)
            #expect(try AESKeyWrapWithPadding.unwrap(wrapped, using: kek) == material)
            var tampered = wrapped
            tampered[length % wrapped.count] ^= 0x40
            #expect(throws: KeyWrapError.integrityCheckFailed) { _ = try AESKeyWrapWithPadding.unwrap(tampered, using: kek) }
            #expect(throws: KeyWrapError.self) { _ = try AESKeyWrapWithPadding.unwrap(wrapped.dropLast(8), using: kek) }
            #expect(throws: KeyWrapError.integrityCheckFailed) { _ = try AESKeyWrapWithPadding.unwrap(wrapped, using: SymmetricKey(size: .bits256)) }
        }
        #expect(throws: KeyWrapError.invalidLength) { _ = try AESKeyWrapWithPadding.wrap(Data(), using: kek) }
        #expect(throws: KeyWrapError.invalidLength) { _ = try AESKeyWrapWithPadding.unwrap(Data(count: 12), using: kek) }
    }
}
