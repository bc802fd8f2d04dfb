package import Foundation

/// UTCTime and GeneralizedTime as RFC 5280 §4.1.2.5 restricts them: UTC, `Z`, whole seconds.
package enum DERTime {
    package static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    package static func date(_ node: DERNode) throws(PKIError) -> Date {
        let text = Array(node.content)
        let yearDigits: Int
        switch node.tag {
        case DERTag.utcTime: yearDigits = 2
        case DERTag.generalizedTime: yearDigits = 4
        default: throw .malformed("expected a time")
        }
        guard text.count == yearDigits + 11, text.last == UInt8(ascii: "Z"),
              text.dropLast().allSatisfy({ (0x30...0x39).contains($0) })
        else { throw .malformed("a time not in the form RFC 5280 requires") }
        func number(_ from: Int, _ count: Int) -> Int { text[from..<(from + count)].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        var year = number(0, yearDigits)
        if yearDigits == 2 { year += year < 50 ? 2000 : 1900 }
        let components = DateComponents(
            year: year, month: number(yearDigits, 2), day: number(yearDigits + 2, 2),
            hour: number(yearDigits + 4, 2), minute: number(yearDigits + 6, 2), second: number(yearDigits + 8, 2))
        guard (1...12).contains(components.month!), (1...31).contains(components.day!), components.hour! < 24, components.minute! < 60,
              components.second! < 60, let date = calendar.date(from: components),
              // 31 February would roll over into March: the day must come back as written.
              calendar.component(.day, from: date) == components.day, calendar.component(.month, from: date) == components.month
        else { throw .malformed("a time out of range") }
        return date
    }
}
