/// `POST /v1/tenants/:tenant/services` at the governance plane: the service and the one region its keys live in.
struct CreateRegionalServiceBody: RequestBody {
    static let fields: Set<String> = ["id", "region"]
    var id: String
    var region: String
}
