import OpenKCMCore

/// `POST /v1/tenants/:tenant/services` at the governance plane: the service and the one region its keys live in.
struct CreateRegionalServiceBody: RequestBody {
    static let fields: Set<String> = ["id", "region"]
    var id: String
    var region: String
}

/// `PUT /v1/regions/:region/status` (a regional core's heartbeat report).
struct RegionReportBody: RequestBody {
    static let fields: Set<String> = ["tenants"]
    var tenants: [String: RegionReport.TenantState]
}
