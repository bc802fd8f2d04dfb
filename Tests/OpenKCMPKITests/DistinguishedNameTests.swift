import SwiftASN1
import Testing
import X509
@testable import OpenKCMPKI

/// RFC 4514 text to swift-certificates' names and back: the text is how
/// OpenKCM stores and compares a mapped subject, so it must round-trip exactly.
@Suite struct DistinguishedNameTests {
    static func der(_ name: DistinguishedName) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(name)
        return serializer.serializedBytes
    }

    @Test func rfc4514TextRoundTrips() throws {
        for text in ["CN=mysql-01,OU=db,O=Acme,C=DE", "CN=a+UID=b,O=x", "CN=Sue\\, Grabbit and Runn,O=Law", "CN=\\#hash,O=x", "CN=trail\\ ,O=x",
                     "DC=example,DC=net", "2.5.4.97=VATDE-123,CN=x"] {
            let name = try DistinguishedName(rfc4514: text)
            #expect(name.rfc4514String == text)
            #expect(try DistinguishedName(derEncoded: Self.der(name)) == name)
        }
    }

    @Test func orderIsMostSignificantFirstInDER() throws {
        let name = try DistinguishedName(rfc4514: "CN=app,O=Acme,C=DE")
        #expect(name.map { String($0.first!.value) } == ["DE", "Acme", "app"])
    }

    @Test func stringTypesAreThoseRFC5280AsksFor() throws {
        let name = try DistinguishedName(rfc4514: "CN=app,DC=example,C=DE")
        // C a PrintableString (0x13), DC an IA5String (0x16), CN a UTF8String (0x0C).
        let der = try Self.der(name)
        #expect(der.contains(0x13) && der.contains(0x16) && der.contains(0x0C))
        #expect(throws: PKIError.self) { try DistinguishedName(rfc4514: "C=D\u{E9}") }
    }

    @Test func spacesAroundSeparatorsAreForgivenAndTypesAreCaseInsensitive() throws {
        #expect(try DistinguishedName(rfc4514: "cn = app , o=Acme").rfc4514String == "CN=app,O=Acme")
        #expect(try DistinguishedName(rfc4514: "OID.2.5.4.3=app").rfc4514String == "CN=app")
    }

    @Test func hexEscapesAreUTF8() throws {
        #expect(try String(DistinguishedName(rfc4514: "CN=Lu\\C4\\8Di\\C4\\87").first!.first!.value) == "Lučić")
    }

    @Test func badTextIsRefused() {
        for text in ["", "CN", "CN=", "X=y", "CN=#04024869", "CN=a\\", "CN=a\\q", "CN=a<b", "CN=\\FF", ",CN=a"] {
            #expect(throws: PKIError.self, "\(text)") { try DistinguishedName(rfc4514: text) }
        }
    }

    @Test func valuesAreComparedExactly() throws {
        #expect(try DistinguishedName(rfc4514: "CN=App").rfc4514String != DistinguishedName(rfc4514: "CN=app").rfc4514String)
    }

    /// A prepending scalar (U+0600) must not hide a comma inside a grapheme cluster.
    @Test func escapingIsPerScalar() throws {
        let single = DistinguishedName([RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "a\u{600},O=evil"))])
        let double = DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: "evil")),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "a\u{600}")),
        ])
        #expect(single.rfc4514String != double.rfc4514String)
        #expect(try DistinguishedName(rfc4514: single.rfc4514String) == single)
    }

    @Test func attributesOfOneRelativeNameAreSorted() throws {
        #expect(try DistinguishedName(rfc4514: "UID=b+CN=a").rfc4514String == DistinguishedName(rfc4514: "CN=a+UID=b").rfc4514String)
    }

    /// A value that is not a string renders as '#' and its encoding, which no text parsed here can equal.
    @Test func nonStringValuesRenderAsHexAndMatchNoText() throws {
        // Name ::= SEQUENCE { SET { SEQUENCE { CN, NumericString "12" } } }
        let der: [UInt8] = [0x30, 0x0D, 0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x12, 0x02, 0x31, 0x32]
        let name = try DistinguishedName(derEncoded: der)
        #expect(name.rfc4514String == "CN=#12023132")
        #expect(try Self.der(name) == der)
        #expect(try DistinguishedName(rfc4514: "CN=\\#12023132").rfc4514String != name.rfc4514String)
        #expect(throws: PKIError.self) { try DistinguishedName(rfc4514: name.rfc4514String) }
    }

    /// Older CAs write BMPString and TeletexString values: they read as text.
    @Test func bmpAndTeletexValuesReadAsText() throws {
        // CN as a BMPString (tag 0x1E, UTF-16), O as a TeletexString (tag 0x14, read as Latin-1).
        let bmp: [UInt8] = [0x30, 0x11, 0x31, 0x0F, 0x30, 0x0D, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1E, 0x06, 0x00, 0x41, 0x00, 0x62, 0x00, 0xE9]
        #expect(try DistinguishedName(derEncoded: bmp).rfc4514String == "CN=Abé")
        let teletex: [UInt8] = [0x30, 0x0E, 0x31, 0x0C, 0x30, 0x0A, 0x06, 0x03, 0x55, 0x04, 0x0A, 0x14, 0x03, 0xE9, 0x74, 0xE9]
        #expect(try DistinguishedName(derEncoded: teletex).rfc4514String == "O=été")
    }
}

/// Property checks over many random names and strings: rendering then parsing
/// gives the same name back, DER round-trips, and no text makes the parser trap.
@Suite struct DistinguishedNameRandomTests {
    static let alphabet: [Unicode.Scalar] = Array("aZ09 ,+;\"\\<>#=\u{0}\u{1}\u{600}\u{301}é漢🔑-_.".unicodeScalars)
    static let types: [ASN1ObjectIdentifier] = [
        .RDNAttributeType.commonName, .RDNAttributeType.organizationName, .RDNAttributeType.organizationalUnitName,
        .RDNAttributeType.localityName, [0, 9, 2342, 19_200_300, 100, 1, 1], [2, 5, 4, 97],
    ]

    @Test func renderedNamesParseBackToThemselves() throws {
        var generator = SplitMix64(seed: 0xD1_5717)
        for _ in 0..<5_000 {
            let relativeNames = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                RelativeDistinguishedName((0..<Int.random(in: 1...2, using: &generator)).map { _ in
                    RelativeDistinguishedName.Attribute(
                        type: Self.types.randomElement(using: &generator)!,
                        utf8String: String(String.UnicodeScalarView((0..<Int.random(in: 1...8, using: &generator)).map { _ in Self.alphabet.randomElement(using: &generator)! })))
                })
            }
            let name = DistinguishedName(relativeNames)
            let text = name.rfc4514String
            let parsed = try DistinguishedName(rfc4514: text)
            #expect(parsed.rfc4514String == text, "\(text.debugDescription)")
            #expect(try DistinguishedName(derEncoded: DistinguishedNameTests.der(name)).rfc4514String == text)
        }
    }

    @Test func anyTextIsParsedOrRefused() {
        var generator = SplitMix64(seed: 0x7E_C7)
        for _ in 0..<20_000 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...24, using: &generator)).map { _ in
                Bool.random(using: &generator) ? Self.alphabet.randomElement(using: &generator)! : "CN=".unicodeScalars.randomElement(using: &generator)!
            }))
            if let name = try? DistinguishedName(rfc4514: text) {
                #expect((try? DistinguishedName(rfc4514: name.rfc4514String))?.rfc4514String == name.rfc4514String, "\(text.debugDescription)")
            }
        }
    }
}
