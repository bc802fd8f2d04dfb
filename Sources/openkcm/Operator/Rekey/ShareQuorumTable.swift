import ArgumentParser
import Foundation

/// How rekey and generate-root show an attempt.
enum ShareQuorumTable {
    static func rows(_ status: [String: Any]) -> [[String]] {
        var pairs: [(String, Any?)] = [("started", status["started"])]
        if status["started"] as? Bool == true || status["complete"] != nil {
            pairs += [("nonce", status["nonce"]), ("progress", "\(Table.text(status["progress"]))/\(Table.text(status["required"]))"),
                      ("started at", status["startedAt"])]
        }
        if let shares = status["newShares"] { pairs += [("new shares", shares), ("new threshold", status["newThreshold"])] }
        if let fingerprint = status["recipientFingerprint"] { pairs.append(("recipient key (SHA-256)", fingerprint)) }
        if let complete = status["complete"] { pairs.append(("complete", complete)) }
        for (index, share) in (status["shares"] as? [String] ?? []).enumerated() { pairs.append(("share \(index + 1)", share)) }
        if let token = status["encryptedToken"] { pairs.append(("encrypted root token", token)) }
        return Table.pairs(pairs)
    }

    static func readFile(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIFailure("cannot read \(path)") }
        return text
    }

    /// One share from standard input, so it never sits in shell history.
    static func readShare() throws -> String {
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw CLIFailure("no share on standard input (echo SHARE | openkcm operator ...)")
        }
        return line
    }
}
