import Testing
@testable import OpenKCMPKI

@Suite struct DistinguishedNameTests {
    @Test func rfc4514TextRoundTrips() throws {
        for text in ["CN=mysql-01,OU=db,O=Acme,C=DE", "CN=a+UID=b,O=x", "CN=Sue\\, Grabbit and Runn,O=Law", "CN=\\#hash,O=x", "CN=trail\\ ,O=x",
                     "DC=example,DC=net", "2.5.4.97=VATDE-123,CN=x"] {
            let name = try DistinguishedName(rfc4514: text)
            #expect(name.description == text)
            var reader = DERReader(name.derEncoded)
            #expect(try DistinguishedName(reader.next()) == name)
        }
    }

    @Test func orderIsMostSignificantFirstInDER() throws {
        let name = try DistinguishedName(rfc4514: "CN=app,O=Acme,C=DE")
        #expect(name.relativeNames.map { $0[0].value } == ["DE", "Acme", "app"])
    }

    @Test func spacesAroundSeparatorsAreForgivenAndTypesAreCaseInsensitive() throws {
        #expect(try DistinguishedName(rfc4514: "cn = app , o=Acme").description == "CN=app,O=Acme")
        #expect(try DistinguishedName(rfc4514: "OID.2.5.4.3=app").description == "CN=app")
    }

    @Test func hexEscapesAreUTF8() throws {
        #expect(try DistinguishedName(rfc4514: "CN=Lu\\C4\\8Di\\C4\\87").relativeNames[0][0].value == "Lučić")
    }

    @Test func badTextIsRefused() {
        for text in ["", "CN", "CN=", "X=y", "CN=#04024869", "CN=a\\", "CN=a\\q", "CN=a<b", "CN=\\FF", ",CN=a"] {
            #expect(throws: PKIError.self, "\(text)") { try DistinguishedName(rfc4514: text) }
        }
    }

    @Test func valuesAreComparedExactly() throws {
        #expect(try DistinguishedName(rfc4514: "CN=App") != DistinguishedName(rfc4514: "CN=app"))
    }

    /// A prepending scalar (U+0600) must not hide a comma inside a grapheme cluster.
    @Test func escapingIsPerScalar() throws {
        let single = DistinguishedName(relativeNames: [[.init(type: .commonName, value: "a\u{600},O=evil")]])
        let double = DistinguishedName(relativeNames: [[.init(type: .organization, value: "evil")], [.init(type: .commonName, value: "a\u{600}")]])
        #expect(single.description != double.description)
        #expect(try DistinguishedName(rfc4514: single.description) == single)
    }

    @Test func attributesOfOneRelativeNameAreSorted() throws {
        #expect(try DistinguishedName(rfc4514: "UID=b+CN=a").description == DistinguishedName(rfc4514: "CN=a+UID=b").description)
    }

    /// A value that is not a string renders as '#' and its encoding, which no text parsed here can equal.
    @Test func nonStringValuesRenderAsHexAndMatchNoText() throws {
        // Name ::= SEQUENCE { SET { SEQUENCE { CN, NumericString "12" } } }
        let der: [UInt8] = [0x30, 0x0D, 0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x12, 0x02, 0x31, 0x32]
        var reader = DERReader(der)
        let name = try DistinguishedName(reader.next())
        #expect(name.description == "CN=#12023132")
        #expect(name.derEncoded == der)
        #expect(try DistinguishedName(rfc4514: "CN=\\#12023132").description != name.description)
        #expect(throws: PKIError.self) { try DistinguishedName(rfc4514: name.description) }
    }
}

/// Property checks over many random names and strings: rendering then parsing
/// gives the same name back, DER round-trips, and no text makes the parser trap.
@Suite struct DistinguishedNameRandomTests {
    static let alphabet: [Unicode.Scalar] = Array("aZ09 ,+;\"\\<>#=\u{0}\u{1}\u{600}\u{301}é漢🔑-_.".unicodeScalars)
    static let types: [ASN1ObjectID] = [.commonName, .organization, .organizationalUnit, .country, .locality, .userID, ASN1ObjectID(2, 5, 4, 97)]

    @Test func renderedNamesParseBackToThemselves() throws {
        var generator = SplitMix64(seed: 0xD1_5717)
        for _ in 0..<5_000 {
            let relativeNames = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                (0..<Int.random(in: 1...2, using: &generator)).map { _ in
                    DistinguishedName.Attribute(
                        type: Self.types.randomElement(using: &generator)!,
                        value: String(String.UnicodeScalarView((0..<Int.random(in: 1...8, using: &generator)).map { _ in Self.alphabet.randomElement(using: &generator)! })))
                }
            }
            let name = DistinguishedName(relativeNames: relativeNames)
            let text = name.description
            let parsed = try DistinguishedName(rfc4514: text)
            #expect(parsed.description == text, "\(text.debugDescription)")
            var reader = DERReader(name.derEncoded)
            #expect(try DistinguishedName(reader.next()).description == text)
        }
    }

    @Test func anyTextIsParsedOrRefused() {
        var generator = SplitMix64(seed: 0x7E_C7)
        for _ in 0..<20_000 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...24, using: &generator)).map { _ in
                Bool.random(using: &generator) ? Self.alphabet.randomElement(using: &generator)! : "CN=".unicodeScalars.randomElement(using: &generator)!
            }))
            if let name = try? DistinguishedName(rfc4514: text) {
                #expect((try? DistinguishedName(rfc4514: name.description))?.description == name.description, "\(text.debugDescription)")
            }
        }
    }
}
