import Foundation
public import HTTPTypes
import Hummingbird
import NIOCore
import OpenKCMCore

/// An RFC 9457 problem: every error the REST API returns has this shape, a
/// stable `code`, and the request's `correlationId`.
public struct ProblemDetails: Error, Sendable, Codable, Hashable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    public var correlationId: String?
    /// A key operation sent to the governance plane: the region whose core
    /// serves the service, and that core's URL for the same request when configured.
    public var region: String?
    public var location: String?

    public init(status: HTTPResponse.Status, code: String, detail: String) {
        self.type = "https://openkcm.dev/problems/\(code)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
    }

    /// Maps any error to a problem. OpenKCM's typed errors carry their own
    /// code; anything unexpected is a 500 without internals in the detail.
    public static func from(_ error: any Error) -> ProblemDetails {
        switch error {
        case let problem as ProblemDetails: return problem
        case let error as any OpenKCMError: return ProblemDetails(status: status(for: error), code: error.code, detail: error.description)
        case let error as HTTPError:
            let code = error.status == .contentTooLarge ? "request.too_large" : "request.invalid"
            return ProblemDetails(status: error.status, code: code, detail: error.body ?? error.status.reasonPhrase)
        case is NIOTooManyBytesError:
            return ProblemDetails(status: .contentTooLarge, code: "request.too_large", detail: "the body is larger than the 1 MiB limit")
        case is DecodingError:
            return ProblemDetails(status: .badRequest, code: "request.invalid_json", detail: "the body does not match the expected JSON shape")
        default:
            return ProblemDetails(status: .internalServerError, code: "internal", detail: "internal error")
        }
    }

    static func status(for error: any OpenKCMError) -> HTTPResponse.Status {
        switch error {
        case let error as AccessError:
            switch error {
            case .unauthenticated: .unauthorized
            case .tokenRefused(.providerUnreachable): .serviceUnavailable
            case .tokenRefused, .expired: .unauthorized
            case .notRenewable: .conflict
            case .forbidden, .outOfScope: .forbidden
            case .invalidScope: .badRequest
            case .identityNotFound: .notFound
            }
        case is L1PolicyError: .forbidden
        case let error as ApprovalError:
            if case .notFound = error { .notFound } else { .conflict }
        case let error as KeyChainError:
            switch error {
            case .tenantNotFound, .serviceNotFound, .versionNotFound: .notFound
            case .tenantAlreadyExists, .serviceAlreadyExists: .conflict
            case .tenantLocked: .locked423
            case .stateUnconfirmed: .serviceUnavailable
            // Sent to the wrong core: the same status as a key operation sent to the governance plane.
            case .serviceInOtherRegion: .misdirectedRequest
            case .invalidIdentifier, .foreignKey, .subjectRequired, .notSubjectBound, .subjectMismatch, .invalidRotationPolicy: .badRequest
            case .subjectDestroyed: .gone
            case .belowMinimumDecryptionVersion, .keyStateForbids, .invalidStateTransition, .invalidRollback,
                .invalidMinimumDecryptionVersion, .currentVersionProtected, .compromiseStrandsKeys:
                .conflict
            }
        case is EnvelopeError, is ShamirError: .badRequest
        case let error as BarrierError:
            switch error {
            case .sealed: .serviceUnavailable
            // The store was changed outside the server (a record rolled back, deleted or put back):
            // nothing is served from it, and the code names what was found.
            case .recordCorrupted, .recordRolledBack, .recordMissing, .recordUnexpected, .storeRolledBack, .storeRewound, .invalidMasterKey, .reservedKey,
                .keyTermUnknown:
                .internalServerError
            case .keyringFull: .conflict
            }
        case let error as SealError:
            switch error {
            case .notInitialized: .serviceUnavailable
            case .alreadyInitialized, .attemptRunning, .attemptCancelled: .conflict
            case .misconfigured, .notOperatorShares: .badRequest
            case .noSuchAttempt: .notFound
            }
        case let error as KeystoreError:
            switch error {
            case .unknownKeystore: .badRequest
            case .disabled, .notFound: .locked423
            case .unreachable, .throttled: .serviceUnavailable
            case .accessDenied, .badCiphertext: .badGateway
            case .importRefused: .conflict
            }
        case is AuditLogError: .serviceUnavailable
        case is StoreFreshnessError: .serviceUnavailable
        case is DataKeyRevokedError: .gone
        case let error as KMIPClientError:
            switch error {
            case .invalidInput: .badRequest
            case .trustedAuthorityNotFound, .noClientAuthority: .notFound
            case .trustedAuthorityConflict: .conflict
            }
        case let error as GovernanceError:
            switch error {
            case .tenantNotFound, .serviceNotFound: .notFound
            case .tenantAlreadyExists, .serviceAlreadyExists, .alreadyLinked, .notLinked: .conflict
            case .tenantDestroyed, .serviceDestroyed: .gone
            case .recordUnreadable: .internalServerError
            }
        case let error as BackupError:
            switch error {
            case .malformed, .unsupportedFormat: .badRequest
            case .corrupted, .otherMasterKey, .tampered, .recordInvalid, .noSealConfiguration, .unexpectedMasterKey: .unprocessableContent
            case .storeUnsound: .internalServerError
            }
        case let error as StorageError:
            if case .invalidKey = error { .badRequest } else { .internalServerError }
        default: .internalServerError
        }
    }

    func response(correlationID: String) -> Response {
        var problem = self
        problem.correlationId = correlationID
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(problem)) ?? Data()
        return Response(
            status: .init(code: status),
            headers: [.contentType: "application/problem+json", .correlationID: correlationID],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension HTTPField.Name {
    static let correlationID = Self("X-Correlation-ID")!  // safe: a constant, valid field name
}

extension HTTPResponse.Status {
    /// RFC 4918's 423: the tenant is locked (kill switch) or its L1 refuses.
    static let locked423 = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
}
