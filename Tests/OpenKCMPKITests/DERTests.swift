import Foundation
import Testing
@testable import OpenKCMPKI

@Suite struct DERTests {
    @Test func objectIdentifiersRoundTrip() throws {
        // X.690 §8.19.5's example arcs, and ones with large arcs.
        for text in ["2.5.4.3", "1.2.840.113549.1.1.11", "2.999.3", "0.9.2342.19200300.100.1.25", "1.3.6.1.4.1.311.60.2.1.3"] {
            let identifier = try #require(ASN1ObjectID(dotted: text))
            #expect(try ASN1ObjectID(contentBytes: identifier.contentBytes[...]) == identifier)
            #expect(identifier.description == text)
        }
        #expect(ASN1ObjectID(1, 2, 840, 113549).contentBytes == [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D])
        #expect(ASN1ObjectID(dotted: "3.1") == nil)
        #expect(ASN1ObjectID(dotted: "1.40") == nil)
        #expect(ASN1ObjectID(dotted: "1.02") == nil)
    }

    @Test func lengthsAreDefiniteAndMinimal() throws {
        var writer = DERWriter()
        writer.octetString([UInt8](repeating: 7, count: 300))
        #expect(Array(writer.bytes.prefix(4)) == [0x04, 0x82, 0x01, 0x2C])
        var reader = DERReader(writer.bytes)
        #expect(try reader.next(DERTag.octetString).content.count == 300)
        for bad: [UInt8] in [[0x04, 0x80, 0, 0], [0x04, 0x81, 0x05, 1, 2, 3, 4, 5], [0x04, 0x82, 0x00, 0x80], [0x04, 0x05, 1], [0x1F, 0x01, 0x00],
                             [0x04, 0x85, 1, 1, 1, 1, 1]] {
            var reader = DERReader(bad)
            #expect(throws: PKIError.self) { try reader.next() }
        }
    }

    @Test func namedBitsDropTrailingZeros() {
        var writer = DERWriter()
        writer.namedBits([5, 6])
        #expect(writer.bytes == [0x03, 0x02, 0x01, 0x06])
        var leaf = DERWriter()
        leaf.namedBits([0])
        #expect(leaf.bytes == [0x03, 0x02, 0x07, 0x80])
    }

    @Test func timesSwitchToGeneralizedIn2050() throws {
        let calendar = DERTime.calendar
        let before = calendar.date(from: DateComponents(year: 2049, month: 12, day: 31, hour: 23, minute: 59, second: 59))!
        let after = calendar.date(from: DateComponents(year: 2050, month: 1, day: 1))!
        var writer = DERWriter()
        writer.time(before)
        writer.time(after)
        #expect(writer.bytes[0] == DERTag.utcTime)
        var reader = DERReader(writer.bytes)
        #expect(try DERTime.date(reader.next()) == before)
        let second = try reader.next()
        #expect(second.tag == DERTag.generalizedTime)
        #expect(String(decoding: second.content, as: UTF8.self) == "20500101000000Z")
        #expect(try DERTime.date(second) == after)
    }

    @Test func integersArePositiveAndMinimal() throws {
        var writer = DERWriter()
        writer.unsignedInteger([0x00, 0x00, 0x80])
        #expect(writer.bytes == [0x02, 0x02, 0x00, 0x80])
        var reader = DERReader([0x02, 0x02, 0x00, 0x01])
        #expect(throws: PKIError.self) { try reader.next().unsignedIntegerBytes() }
        var negative = DERReader([0x02, 0x01, 0xFF])
        #expect(throws: PKIError.self) { try negative.next().unsignedIntegerBytes() }
    }

    @Test func impossibleDatesAreRefused() {
        for text in ["260231000000Z", "261301000000Z", "260101240000Z", "2026023100000Z"] {
            var writer = DERWriter()
            writer.append(text.count == 13 ? DERTag.utcTime : DERTag.generalizedTime, Array(text.utf8))
            var reader = DERReader(writer.bytes)
            #expect(throws: PKIError.self, "\(text)") { try DERTime.date(reader.next()) }
        }
    }
}
