import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import OpenKCMGateway
import ServiceLifecycle
import UnixSignals

/// `openkcm gateway`: the edge beside an application.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run a gateway beside an application: data keys made here, wrapped and unwrapped by the core in batches, a short unwrap cache.",
        discussion: """
            The gateway serves one (tenant, service) with that crypto identity's token, which local applications \
            present to it as well. It answers the SDK's wrap, unwrap and datakey calls on the same paths as the core, \
            follows the core's event stream, and empties its cache on a tenant lock, a destroyed service or a lost stream.
            """)

    @Option(help: "The core's REST address, or several replicas' comma-separated (or OPENKCM_CORE_ADDR): the next is used when one cannot be reached or answers 503.") var core: String?
    @Option(help: "Tenant id.") var tenant: String
    @Option(help: "Service id.") var service: String
    @Option(name: .customLong("token-file"), help: "A file holding the crypto identity's token (or OPENKCM_TOKEN).") var tokenFile: String?
    @Option(help: "Listen address, host:port (default 127.0.0.1:8300).") var address = "127.0.0.1:8300"
    @Option(help: "Listen on this Unix domain socket instead of --address (the SDK: RESTDataKeySource(unixSocket:...)).") var socket: String?
    @Option(name: .customLong("cache-seconds"), help: "How long an unwrapped key is served from memory (default 60; 0 disables the cache).") var cacheSeconds = 60
    @Option(name: .customLong("cache-size"), help: "At most this many unwrapped keys in memory (default 100000).") var cacheSize = 100_000
    @Option(name: .customLong("core-channel"), help: "The core's data-key channel, host:port (its --channel-address), or several replicas' comma-separated: batches go there instead of to its REST batch routes; TLS when --core is https.")
    var coreChannel: String?
    @Option(name: .customLong("core-ca-file"), help: "CAs (PEM) to trust for an https:// core (or OPENKCM_CACERT).") var coreCAFile: String?
    @Option(name: .customLong("kmip-address"), help: "Also serve KMIP (mutual TLS) on this loopback host:port: Create, Activate, Get, Encrypt, Decrypt, Destroy.")
    var kmipAddress: String?
    @Option(name: .customLong("kmip-certificate-file"), help: "The KMIP listener's certificate chain (PEM).") var kmipCertificateFile: String?
    @Option(name: .customLong("kmip-key-file"), help: "The KMIP listener's private key (PEM).") var kmipKeyFile: String?
    @Option(name: .customLong("kmip-client-ca-file"), help: "The CAs local KMIP clients' certificates must chain to (PEM).") var kmipClientCAFile: String?

    func run() async throws {
        // Swift Concurrency stays on its own pool here, unlike `openkcm server`: with NIO's event
        // loops as the executor the bench spent less CPU per key (23 -> 17 µs), but under load the
        // kill switch took 4 to 7 s instead of about 1 s to reach the KMIP listener
        // (GatewayBinaryTests, full suite), so the lock event must not queue behind that work.
        let environment = ProcessInfo.processInfo.environment
        guard let core = core ?? environment["OPENKCM_CORE_ADDR"] else { throw ValidationError("--core (or OPENKCM_CORE_ADDR) is required") }
        let token: String
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { throw ValidationError("cannot read \(tokenFile)") }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let fromEnvironment = environment["OPENKCM_TOKEN"] {
            token = fromEnvironment
        } else {
            throw ValidationError("--token-file (or OPENKCM_TOKEN) is required")
        }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--address must be host:port, got '\(address)'")
        }
        // The local API carries bearer tokens and plaintext data keys over plain HTTP: loopback or a Unix socket only.
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard socket != nil || ["127.0.0.1", "::1", "localhost"].contains(host) else {
            throw ValidationError("--address must be a loopback address (127.0.0.1, ::1, localhost): the gateway speaks plain HTTP; use --socket for a Unix socket")
        }
        guard cacheSeconds >= 0, cacheSize >= 1 else { throw ValidationError("--cache-seconds must be 0 or more and --cache-size 1 or more") }
        var configuration = GatewayConfiguration(coreURL: core, tenant: tenant, service: service, token: token, host: host,
                                                 port: port, socketPath: socket, cacheLifetime: .seconds(cacheSeconds), cacheCapacity: cacheSize)
        if kmipAddress == nil, kmipCertificateFile != nil || kmipKeyFile != nil || kmipClientCAFile != nil {
            throw ValidationError("--kmip-certificate-file, --kmip-key-file and --kmip-client-ca-file need --kmip-address")
        }
        if let kmipAddress {
            guard let colon = kmipAddress.lastIndex(of: ":"), let kmipPort = Int(kmipAddress[kmipAddress.index(after: colon)...]), (0...65535).contains(kmipPort) else {
                throw ValidationError("--kmip-address must be host:port, got '\(kmipAddress)'")
            }
            let kmipHost = String(kmipAddress[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            // KMIP hands out plaintext keys (Get): it serves the processes beside it only.
            guard ["127.0.0.1", "::1", "localhost"].contains(kmipHost) else { throw ValidationError("--kmip-address must be a loopback address") }
            guard let kmipCertificateFile, let kmipKeyFile, let kmipClientCAFile else {
                throw ValidationError("--kmip-address needs --kmip-certificate-file, --kmip-key-file and --kmip-client-ca-file")
            }
            configuration.kmip = GatewayKMIPConfiguration(host: kmipHost, port: kmipPort, certificateFile: kmipCertificateFile,
                                                          keyFile: kmipKeyFile, clientCAFile: kmipClientCAFile)
        }
        var logger = Logger(label: "openkcm.gateway")
        logger.logLevel = .info
        var clientConfiguration = HTTPClient.Configuration()
        // The token goes with every call: never to wherever a redirect points.
        clientConfiguration.redirectConfiguration = .disallow
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = coreCAFile ?? environment["OPENKCM_CACERT"], !caFile.isEmpty {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(caFile), !certificates.isEmpty else {
                throw ValidationError("\(caFile) is not a readable PEM file of CA certificates")
            }
            tls.trustRoots = .file(caFile)
            clientConfiguration.tlsConfiguration = tls
        }
        // Several replicas: every address https://, or every one plain http://, never a mix.
        let secure = configuration.coreURLs.allSatisfy { $0.lowercased().hasPrefix("https://") }
        guard !configuration.coreURLs.isEmpty, secure || configuration.coreURLs.allSatisfy({ $0.lowercased().hasPrefix("http://") }) else {
            throw ValidationError("--core takes http:// or https:// addresses, comma-separated for several replicas, all of one kind")
        }
        if let coreChannel {
            var endpoints: [CoreChannelConfiguration.Endpoint] = []
            for one in coreChannel.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let colon = one.lastIndex(of: ":"), let channelPort = Int(one[one.index(after: colon)...]), (1...65535).contains(channelPort) else {
                    throw ValidationError("--core-channel must be host:port (comma-separated for several replicas), got '\(one)'")
                }
                let channelHost = String(one[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                // The channel speaks TLS exactly when the core's REST does, with the same trust.
                guard secure || ["127.0.0.1", "::1", "localhost"].contains(channelHost) else {
                    throw ValidationError("--core-channel carries the token and data keys: past loopback the core must be https:// (its channel is TLS then)")
                }
                endpoints.append(CoreChannelConfiguration.Endpoint(host: channelHost, port: channelPort))
            }
            guard !endpoints.isEmpty else { throw ValidationError("--core-channel needs host:port") }
            let context: NIOSSLContext?
            do {
                context = secure ? try NIOSSLContext(configuration: tls) : nil
            } catch {
                throw ValidationError("cannot build TLS for --core-channel: \(error)")
            }
            configuration.coreChannel = CoreChannelConfiguration(endpoints: endpoints, tls: context)
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let gateway = Gateway(configuration: configuration, client: client, logger: logger)
        logger.info("gateway listening", metadata: ["address": .string(socket.map { "unix:\($0)" } ?? address), "core": .string(core), "tenant": .string(tenant), "service": .string(service),
                                                    "core_channel": .string(coreChannel ?? "none (REST batches)")])
        let group = ServiceGroup(configuration: .init(services: [GatewayService(gateway: gateway)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
