/// The binary body of a data-key batch between a gateway and the core
/// (`POST .../wrap/batch` and `.../unwrap/batch` with this media type): the
/// same operation as the JSON batch, without base64 or JSON parsing on the
/// hot path. Every integer is big-endian; every variable field has a length.
///
/// ```
/// request := "OKB1" u16 count item*count
/// item    := u16 n value[n] context
/// context := the canonical EncryptionContext encoding:
///            u16 pairs (u16 n key[n] u16 n value[n])*pairs, keys sorted by their UTF-8 bytes
/// answer  := "OKA1" u16 count outcome*count
/// outcome := 0x00 u16 n value[n]
///          | 0x01 u16 status u16 n code[n] u16 n detail[n]
/// ```
///
/// A request item's value is the data key to wrap (32 bytes) or the wrapped
/// blob to open; an answer's value is the wrapped blob or the data key.
public enum DataKeyBatchWire {
    /// The `Content-Type` (and `Accept`) of both bodies.
    public static let mediaType = "application/vnd.openkcm.datakey-batch"
    /// A batch holds at most this many items, as the JSON batch does.
    public static let maximumItems = 1000

    static let requestMagic: [UInt8] = Array("OKB1".utf8)
    static let answerMagic: [UInt8] = Array("OKA1".utf8)
}
