import DeployCore
import Foundation
import Testing

/// `clusters`, `cluster` and `workloads` in the configuration: what is accepted, and where a mistake is reported.
@Suite("Configuration: clusters and workloads")
struct ClusterConfigTests {
    /// The sample config with `edit` applied to its JSON object.
    static func parse(_ edit: (inout [String: Any]) -> Void) throws -> SlipwayConfig {
        var json = try JSONSerialization.jsonObject(with: Data(ConfigLoaderTests.sample.utf8)) as! [String: Any]
        edit(&json)
        return try ConfigLoader.parse(JSONSerialization.data(withJSONObject: json))
    }

    /// Sets `services.shop.environments.<env>.<key>`.
    static func setEnvironment(_ json: inout [String: Any], _ env: String, _ key: String, _ value: Any?) {
        var services = json["services"] as! [String: Any]
        var shop = services["shop"] as! [String: Any]
        var environments = shop["environments"] as! [String: Any]
        var environment = environments[env] as! [String: Any]
        environment[key] = value
        environments[env] = environment
        shop["environments"] = environments
        services["shop"] = shop
        json["services"] = services
    }

    static func error(_ edit: (inout [String: Any]) -> Void) -> String {
        do {
            _ = try parse(edit)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test("environments name their cluster; a cluster is an API server with credentials or a kubeconfig context")
    func clusters() throws {
        let config = try Self.parse { json in
            json["clusters"] = [
                "east": [
                    "apiServer": "https://east.example:6443", "tokenEnv": "EAST_TOKEN", "caFile": "/etc/east/ca.crt",
                ],
                "west": ["kubeconfig": "/etc/slipway/kubeconfig", "context": "west-admin"],
                "mtls": [
                    "apiServer": "https://mtls.example", "clientCertFile": "/c.pem", "clientKeyFile": "/k.pem",
                    "tokenFile": "/t",
                ],
            ]
            Self.setEnvironment(&json, "prod", "cluster", "east")
        }
        #expect(config.clusters["east"]?.source == .apiServer("https://east.example:6443"))
        #expect(config.clusters["east"]?.tokenEnv == "EAST_TOKEN")
        #expect(config.clusters["west"]?.source == .kubeconfig(path: "/etc/slipway/kubeconfig", context: "west-admin"))
        #expect(config.clusters["mtls"]?.clientKeyFile == "/k.pem")
        #expect(config.catalog.services["shop"]?.environments["prod"]?.cluster == "east")
        #expect(config.catalog.services["shop"]?.environments["staging"]?.cluster == nil)
        #expect(config.clustersInUse == ["east", "kubernetes"])
        #expect(
            config.secretEnvironmentVariables.contains {
                $0.path == "clusters.east.tokenEnv" && $0.name == "EAST_TOKEN"
            })
    }

    @Test(
        "cluster mistakes are named where they are",
        arguments: [
            (
                #"{"east": {"apiServer": "https://e.example"}}"#, "eats",
                #"services.shop.environments.prod.cluster: no cluster "eats" in clusters (did you mean "east"?)"#
            ),
            (
                #"{"east": {"apiServer": "https://e.example", "kubeconfig": "/k"}}"#, "east",
                #"clusters.east.kubeconfig: give "apiServer" or "kubeconfig", not both"#
            ),
            (#"{"east": {"tokenEnv": "T"}}"#, "east", "clusters.east.apiServer: is required"),
            (
                #"{"east": {"apiServer": "https://e.example", "clientCertFile": "/c"}}"#, "east",
                "clusters.east.clientKeyFile: is required with clientCertFile"
            ),
            (
                #"{"east": {"apiServer": "https://e.example", "tokenEnv": "T", "tokenFile": "/t"}}"#, "east",
                #"clusters.east.tokenFile: give "tokenEnv" or "tokenFile", not both"#
            ),
            (
                #"{"east": {"kubeconfig": "/k", "caFile": "/ca"}}"#, "east",
                #"clusters.east.caFile: is not used with "kubeconfig""#
            ),
            (
                #"{"east": {"apiServer": "https://e.example", "context": "x"}}"#, "east",
                #"clusters.east.context: goes with "kubeconfig""#
            ),
            (
                #"{"east": {"apiServer": "in-cluster", "tokenEnv": "T"}}"#, "east",
                #"clusters.east.tokenEnv: is not used with "in-cluster""#
            ),
            (
                #"{"kubernetes": {"apiServer": "https://e.example"}}"#, "kubernetes",
                #"clusters.kubernetes: the name "kubernetes" is the top-level"#
            ),
            (
                #"{"East": {"apiServer": "https://e.example"}}"#, "East",
                "clusters.East: cluster names must be lowercase"
            ),
        ])
    func clusterErrors(clusters: String, reference: String, expected: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(clusters.utf8))
        let message = Self.error { json in
            json["clusters"] = value
            Self.setEnvironment(&json, "prod", "cluster", reference)
        }
        #expect(message.hasPrefix(expected), "\(message)")
    }

    @Test("workload kinds and several workloads; the legacy deployment form stays")
    func workloads() throws {
        let config = try Self.parse { json in
            Self.setEnvironment(&json, "prod", "workload", nil)
            Self.setEnvironment(
                &json, "prod", "workloads",
                [
                    ["namespace": "shop", "name": "shop"],
                    ["namespace": "shop", "kind": "StatefulSet", "name": "shop-worker"],
                    ["namespace": "shop", "kind": "DaemonSet", "name": "shop-agent"],
                ])
        }
        let prod = try #require(config.catalog.services["shop"]?.environments["prod"])
        #expect(
            prod.workloads.map(\.label) == [
                "Deployment shop/shop", "StatefulSet shop/shop-worker", "DaemonSet shop/shop-agent",
            ])
        #expect(prod.workload.deployment == "shop")
        let staging = try #require(config.catalog.services["shop"]?.environments["staging"])
        #expect(staging.workloads == [EnvironmentEntry.Workload(namespace: "shop-staging", deployment: "shop")])
    }

    @Test(
        "workload mistakes are named where they are",
        arguments: [
            (
                "workload", #"{"namespace": "shop", "kind": "Statefulset", "name": "db"}"#,
                #"services.shop.environments.prod.workload.kind: must be one of Deployment, StatefulSet, DaemonSet (did you mean "StatefulSet"?)"#
            ),
            (
                "workload", #"{"namespace": "shop", "kind": "StatefulSet", "deployment": "db"}"#,
                "services.shop.environments.prod.workload.deployment: names a Deployment but kind is StatefulSet"
            ),
            ("workload", #"{"namespace": "shop"}"#, "services.shop.environments.prod.workload.name: is required"),
            ("workloads", "[]", "services.shop.environments.prod.workloads: list at least one workload"),
            (
                "workloads", #"[{"namespace": "shop", "name": "a"}, {"namespace": "shop", "name": "a"}]"#,
                "services.shop.environments.prod.workloads[1]: lists Deployment shop/a twice"
            ),
            (
                "workloads", #"[{"namespace": "shop", "name": "a", "replicas": 2}]"#,
                "services.shop.environments.prod.workloads[0].replicas: unknown field"
            ),
        ])
    func workloadErrors(key: String, json value: String, expected: String) throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(value.utf8))
        let message = Self.error { json in
            Self.setEnvironment(&json, "prod", "workload", nil)
            Self.setEnvironment(&json, "prod", key, parsed)
        }
        #expect(message.hasPrefix(expected), "\(message)")
        let both = Self.error { json in
            Self.setEnvironment(&json, "prod", "workloads", [["namespace": "shop", "name": "a"]])
        }
        #expect(both.hasPrefix(#"services.shop.environments.prod.workloads: give "workload" or "workloads", not both"#))
    }
}
