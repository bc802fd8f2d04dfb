/// The single-byte DER identifiers OpenKCM writes and reads (class, constructed bit and number in one byte).
/// High tag numbers (31 and above) never occur in certificates and are refused by ``DERReader``.
package enum DERTag {
    package static let boolean: UInt8 = 0x01
    package static let integer: UInt8 = 0x02
    package static let bitString: UInt8 = 0x03
    package static let octetString: UInt8 = 0x04
    package static let null: UInt8 = 0x05
    package static let objectIdentifier: UInt8 = 0x06
    package static let utf8String: UInt8 = 0x0C
    package static let printableString: UInt8 = 0x13
    package static let teletexString: UInt8 = 0x14
    package static let ia5String: UInt8 = 0x16
    package static let utcTime: UInt8 = 0x17
    package static let generalizedTime: UInt8 = 0x18
    package static let universalString: UInt8 = 0x1C
    package static let bmpString: UInt8 = 0x1E
    package static let sequence: UInt8 = 0x30
    package static let set: UInt8 = 0x31

    /// `[n] EXPLICIT` (context-specific, constructed).
    package static func explicit(_ number: UInt8) -> UInt8 { 0xA0 | number }
    /// `[n] IMPLICIT` over a primitive type (context-specific, primitive).
    package static func implicitPrimitive(_ number: UInt8) -> UInt8 { 0x80 | number }
}
