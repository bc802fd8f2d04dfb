import Crypto
import Foundation
import Testing
@testable import OpenKCMAWSKMS
import OpenKCMCore

/// AWS's published Signature Version 4 test suite (Apache-2.0; LICENSE and
/// NOTICE beside it in Resources/): for every case, the canonical request,
/// the string to sign and the Authorization header must match byte for byte.
@Suite struct SigV4SignerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let directory: URL
        var testDescription: String { name }

        func file(_ suffix: String) -> String? {
            try? String(contentsOf: directory.appendingPathComponent("\(name).\(suffix)"), encoding: .utf8)
        }
    }

    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/aws-sig-v4-test-suite")

    static let cases: [Case] = {
        guard let enumerator = FileManager.default.enumerator(at: suite, includingPropertiesForKeys: nil) else { return [] }
        var cases: [Case] = []
        for case let url as URL in enumerator where url.pathExtension == "req" {
            let name = url.deletingPathExtension().lastPathComponent
            let directory = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(name).authz").path) {
                cases.append(Case(name: name, directory: directory))
            }
        }
        return cases.sorted { $0.name < $1.name }
    }()

    /// Parses a `.req` file: request line, headers (folded lines continue the previous one), blank line, body.
    static func parse(_ text: String) -> (method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]) {
        let parts = text.components(separatedBy: "\n\n")
        let head = parts[0].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let body = parts.count > 1 ? Array(parts.dropFirst().joined(separator: "\n\n").utf8) : []
        let requestLine = head[0]
        let method = String(requestLine.prefix { $0 != " " })
        let rest = requestLine.dropFirst(method.count + 1)
        let path = String(rest.hasSuffix(" HTTP/1.1") ? rest.dropLast(9) : rest)
        var headers: [(name: String, value: String)] = []
        for line in head.dropFirst() where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return (method, path, headers, body)
    }

    static let signer = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")

    @Test func theSuiteIsPresent() {
        #expect(Self.cases.count >= 25)
    }

    @Test(arguments: cases)
    func signatureMatchesThePublishedVector(testCase: Case) throws {
        let request = Self.parse(try #require(testCase.file("req")))
        // "header-after": the token is added after signing, so it is not part of what is signed.
        let headers = testCase.name == "post-sts-header-after"
            ? request.headers.filter { $0.name.lowercased() != "x-amz-security-token" } : request.headers
        let (canonical, _) = SigV4Signer.canonicalRequest(method: request.method, path: request.path, headers: headers, body: request.body)
        let publishedCanonical = try #require(testCase.file("creq"))
        #expect(canonical == publishedCanonical, "canonical request")
        // Two published cases (post-x-www-form-urlencoded, -parameters) are inconsistent
        // upstream: their .sts is not the SHA-256 of their own .creq (their canonical
        // request gained content-length; the later files were not regenerated). For
        // them only the canonical request can be checked; this finds them by that property.
        let publishedStringToSign = try #require(testCase.file("sts"))
        let consistent = publishedStringToSign.hasSuffix(SigV4Signer.hex(SHA256.hash(data: Array(publishedCanonical.utf8))))
        guard consistent else {
            #expect(["post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters"].contains(testCase.name))
            return
        }
        let amzDate = "20150830T123600Z"
        let stringToSign = SigV4Signer.stringToSign(amzDate: amzDate, scope: "20150830/us-east-1/service/aws4_request", canonicalRequest: canonical)
        #expect(stringToSign == testCase.file("sts"), "string to sign")
        let authorization = Self.signer.authorization(method: request.method, path: request.path, headers: headers, body: request.body, amzDate: amzDate)
        #expect(authorization == testCase.file("authz"), "authorization")
    }

    @Test func signatureHeadersAddDateAndToken() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token"),
            region: "us-east-1", service: "kms")
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
        let added = signer.signatureHeaders(method: "POST", path: "/", headers: [("Host", "kms.us-east-1.amazonaws.com")], body: Array("{}".utf8), date: date)
        #expect(added.map(\.name) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(added[0].value == "20150830T123600Z")
        #expect(added[2].value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="))
    }
}

@Suite struct AWSKMSClientShapeTests {
    @Test func theHostHeaderIsWhatHTTPClientsSend() {
        #expect(AWSKMSClient.hostHeader(URL(string: "https://kms.eu-west-1.amazonaws.com")!) == "kms.eu-west-1.amazonaws.com")
        #expect(AWSKMSClient.hostHeader(URL(string: "https://kms.eu-west-1.amazonaws.com:443")!) == "kms.eu-west-1.amazonaws.com")
        #expect(AWSKMSClient.hostHeader(URL(string: "http://127.0.0.1:5000")!) == "127.0.0.1:5000")
        #expect(AWSKMSClient.hostHeader(URL(string: "http://[::1]:5000")!) == "[::1]:5000")
        #expect(AWSKMSClient.rootURL(URL(string: "https://kms.example.com/some/path?x=1")!) == "https://kms.example.com/")
    }

    @Test func kmsErrorsMapToKeystoreErrors() {
        let reference = KeystoreReference(provider: "aws-kms", key: "k")
        #expect(AWSKMSClient.error(status: 400, ["__type": "DisabledException"], reference: reference) == .disabled(reference))
        #expect(AWSKMSClient.error(status: 400, ["__type": "com.amazonaws.kms#NotFoundException"], reference: reference) == .notFound(reference))
        #expect(AWSKMSClient.error(status: 400, ["__type": "KMSInvalidStateException", "message": "arn is pending deletion."], reference: reference) == .notFound(reference))
        #expect(AWSKMSClient.error(status: 400, ["__type": "InvalidCiphertextException"], reference: reference) == .badCiphertext(reference))
        #expect(AWSKMSClient.error(status: 400, ["__type": "ThrottlingException"], reference: reference) == .throttled(reference))
        #expect(AWSKMSClient.error(status: 400, ["__type": "AccessDeniedException"], reference: reference) == .accessDenied(reference, reason: "AccessDeniedException"))
        guard case .unreachable = AWSKMSClient.error(status: 500, ["__type": "KMSInternalException"], reference: reference) else {
            Issue.record("internal errors are transient")
            return
        }
    }
}
