import DeployCore
import Foundation
import Testing

@Suite("Configuration")
struct ConfigLoaderTests {
    /// The shared sample, byte for byte (fixtures/config/slipway.sample.json).
    static let sample = #"""
        {
          "server": { "host": "127.0.0.1", "port": 8080, "maxBodyBytes": 1048576, "drainSeconds": 10 },
          "store": { "sqlite": { "path": "var/slipway.sqlite" } },
          "slack": {
            "signingSecretEnv": "SLACK_SIGNING_SECRET",
            "botTokenEnv": "SLACK_BOT_TOKEN",
            "apiBaseURL": "https://slack.com/api",
            "teamId": "T0001",
            "deployChannel": "C0DEPLOYS"
          },
          "ci": { "webhookSecretEnv": "SLIPWAY_WEBHOOK_SECRET" },
          "flux": { "webhookSecretEnv": "FLUX_WEBHOOK_TOKEN" },
          "gitops": {
            "url": "git@github.com:nortinia-ltd/gitops.git",
            "branch": "main",
            "checkout": "var/gitops",
            "author": { "name": "Slipway", "email": "slipway@nortinia.example" }
          },
          "kubernetes": { "apiServer": "in-cluster" },
          "pagerduty": {
            "routingKeyEnv": "PAGERDUTY_ROUTING_KEY",
            "eventsURL": "https://events.pagerduty.com/v2/enqueue"
          },
          "runbooks": { "baseURL": "https://github.com/nortinia-ltd/slipway/blob/main/runbooks" },
          "onCall": { "slackUserIds": ["U0ONCALL"] },
          "people": { "alice@nortinia.example": "U0ALICE" },
          "policy": {
            "stabilityWindowSeconds": 300,
            "approvalTimeoutSeconds": 1800,
            "pollIntervalSeconds": 5,
            "rolloutTimeoutSeconds": 900
          },
          "services": {
            "shop": {
              "repo": "nortinia-ltd/shop",
              "image": "ghcr.io/nortinia-ltd/shop",
              "environments": {
                "staging": {
                  "kustomization": "clusters/staging/shop/kustomization.yaml",
                  "flux": { "namespace": "flux-system", "kustomization": "shop-staging", "gitRepository": "gitops" },
                  "workload": { "namespace": "shop-staging", "deployment": "shop" },
                  "autoDeploy": true,
                  "deployers": ["*"],
                  "approvers": []
                },
                "prod": {
                  "kustomization": "clusters/prod/shop/kustomization.yaml",
                  "flux": { "namespace": "flux-system", "kustomization": "shop-prod", "gitRepository": "gitops" },
                  "workload": { "namespace": "shop", "deployment": "shop" },
                  "promoteFrom": "staging",
                  "requireApproval": true,
                  "deployers": ["U0ALICE", "U0BOB"],
                  "approvers": ["U0DANA", "U0ONCALL"]
                }
              }
            }
          }
        }
        """#

    @Test("the shared sample is accepted unchanged with every field's meaning")
    func sampleAccepted() throws {
        let config = try ConfigLoader.parse(Data(Self.sample.utf8))
        #expect(config.server.port == 8080)
        #expect(config.server.maxBodyBytes == 1_048_576)
        #expect(config.server.threads == nil)
        #expect(config.store == .sqlite(path: "var/slipway.sqlite"))
        #expect(config.slack.teamId == "T0001")
        #expect(config.kubernetes.apiServer == "in-cluster")
        #expect(config.people["alice@nortinia.example"] == "U0ALICE")
        #expect(config.policy.pollIntervalSeconds == 5)
        let prod = try #require(config.catalog.services["shop"]?.environments["prod"])
        #expect(prod.promoteFrom == "staging")
        #expect(prod.requireApproval)
        #expect(prod.mayDeploy("U0ALICE") && !prod.mayDeploy("U0EVE"))
        #expect(prod.mayApprove("U0DANA", requestedBy: "U0ALICE"))
        #expect(!prod.mayApprove("U0DANA", requestedBy: "U0DANA"))
        #expect(config.catalog.services["shop"]?.environments["staging"]?.autoDeploy == true)
        #expect(config.catalog.service(forRepo: "Nortinia-Ltd/Shop")?.name == "shop")
    }

    @Test(
        "errors name the JSON path and the problem",
        arguments: [
            (
                #""promoteFrom": "staging""#, #""promoteFrom": "stagin""#,
                #"services.shop.environments.prod.promoteFrom: no environment "stagin" (did you mean "staging"?)"#
            ),
            (#""port": 8080"#, #""port": "8080""#, "server.port: must be a number"),
            (#""port": 8080"#, #""prot": 8080"#, #"server.prot: unknown field (did you mean "port"?)"#),
            (#""port": 8080"#, #""port": 8080, "threads": 0"#, "server.threads: must be between 1 and 256"),
            (
                #""botTokenEnv": "SLACK_BOT_TOKEN""#, #""botTokenEnv": "xoxb-123-abc""#,
                "slack.botTokenEnv: must name an environment variable"
            ),
            (
                #""autoDeploy": true"#, #""autoDeploy": "yes""#,
                "services.shop.environments.staging.autoDeploy: must be true or false"
            ),
            (
                #""approvers": ["U0DANA", "U0ONCALL"]"#, #""approvers": []"#,
                "services.shop.environments.prod.approvers: requireApproval is set but no approvers"
            ),
            (
                #""approvers": ["U0DANA", "U0ONCALL"]"#,
                #""approvers": ["U0DANA", "U0ONCALL"], "approvalsRequired": 3"#,
                "services.shop.environments.prod.approvalsRequired: needs 3 distinct approvers but approvers lists 2"
            ),
            (
                #""promoteFrom": "staging""#, #""promoteFrom": "staging", "soakMinutes": -5"#,
                "services.shop.environments.prod.soakMinutes: must be"
            ),
            (
                #""image": "ghcr.io/nortinia-ltd/shop""#, #""image": "ghcr.io/nortinia-ltd/shop:latest""#,
                "services.shop.image: give the image without a tag"
            ),
            (
                #""apiBaseURL": "https://slack.com/api""#, #""apiBaseURL": "slack.com""#,
                "slack.apiBaseURL: must be an http(s) URL"
            ),
            (
                #""alice@nortinia.example": "U0ALICE""#, #""alice@nortinia.example": "alice""#,
                "people.alice@nortinia.example: must be a Slack user id"
            ),
            (
                #""store": { "sqlite": { "path": "var/slipway.sqlite" } }"#, #""store": {}"#,
                #"store: needs {"sqlite": {"path": "var/slipway.sqlite"}} or {"postgres": {"urlEnv": "DATABASE_URL"}}"#
            ),
            (
                #", "email": "slipway@nortinia.example" }"#, #" }"#, "gitops.author.email: is required"
            ),
            (
                #""apiServer": "in-cluster""#, #""apiServer": "k8s.local""#,
                #"kubernetes.apiServer: must be an http(s) URL, got "k8s.local""#
            ),
            (
                #""routingKeyEnv": "PAGERDUTY_ROUTING_KEY""#, #""routingKeyEnv": "1KEY""#,
                "pagerduty.routingKeyEnv: must name an environment variable (letters, digits, _), not hold the secret"
            ),
            (
                #""baseURL": "https://github.com/nortinia-ltd/slipway/blob/main/runbooks""#, #""baseURL": 3"#,
                "runbooks.baseURL: must be a string"
            ),
            (
                #""slackUserIds": ["U0ONCALL"]"#, #""slackUserIds": ["U0ONCALL", ""]"#,
                "onCall.slackUserIds[1]: must be a non-empty string"
            ),
            (
                #""pollIntervalSeconds": 5"#, #""pollIntervalSeconds": 0.01"#,
                "policy.pollIntervalSeconds: must be between 0.05 and 600, got 0.01"
            ),
            (
                #""shop": {"#, #""Shop": {"#,
                "services.Shop: service names must be lowercase letters, digits, - or _ (they are typed in Slack)"
            ),
            (
                #""repo": "nortinia-ltd/shop""#, #""repo": "shop""#,
                #"services.shop.repo: must be owner/name as CI sends it, e.g. "acme/shop""#
            ),
            (
                #""services": {"#,
                #""services": { "zzz": { "repo": "Nortinia-Ltd/Shop", "image": "x", "environments": {} },"#,
                #"services.zzz.repo: repo Nortinia-Ltd/Shop is already used by service "shop""#
            ),
            (
                #""kustomization": "clusters/prod/shop/kustomization.yaml""#,
                #""kustomization": "../prod/kustomization.yaml""#,
                "services.shop.environments.prod.kustomization: must be a path inside the GitOps repository"
            ),
            (
                #""autoDeploy": true"#, #""autoDeploy": true, "promoteFrom": "prod""#,
                #"services.shop.environments.prod.promoteFrom: promotion cycle through "staging""#
            ),
            (
                #""port": 8080"#, #""port": 70000, "host": """#,
                "server.port: must be between 0 and 65535, got 70000"
            ),
            // Found by the config-loader fuzz target: a whole number too large for an Int crashed the message.
            (#""port": 8080"#, #""port": 1e78"#, "server.port: must be between 0 and 65535, got 1e+78"),
        ])
    func pathErrors(_ find: String, _ replace: String, _ expected: String) throws {
        let broken = Self.sample.replacingOccurrences(of: find, with: replace)
        #expect(broken != Self.sample)
        #expect {
            try ConfigLoader.parse(Data(broken.utf8))
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix(expected) == true
        }
    }

    @Test("server.threads sets the HTTP worker threads")
    func serverThreads() throws {
        let config = try ConfigLoader.parse(
            Data(Self.sample.replacingOccurrences(of: #""port": 8080"#, with: #""port": 8080, "threads": 4"#).utf8))
        #expect(config.server.threads == 4)
    }

    @Test("server.connectionMemoryBytes sets the per-connection memory; 8 KiB by default")
    func connectionMemory() throws {
        #expect(try ConfigLoader.parse(Data(Self.sample.utf8)).server.connectionMemoryBytes == 8192)
        let config = try ConfigLoader.parse(
            Data(
                Self.sample.replacingOccurrences(
                    of: #""port": 8080"#, with: #""port": 8080, "connectionMemoryBytes": 32768"#
                ).utf8))
        #expect(config.server.connectionMemoryBytes == 32768)
        #expect {
            try ConfigLoader.parse(
                Data(
                    Self.sample.replacingOccurrences(
                        of: #""port": 8080"#, with: #""port": 8080, "connectionMemoryBytes": 1024"#
                    ).utf8))
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("server.connectionMemoryBytes: must be between 4096") == true
        }
    }

    @Test("log sets the level and the format (text or one JSON object per line); info and text by default")
    func logging() throws {
        #expect(try ConfigLoader.parse(Data(Self.sample.utf8)).logging == .init(level: .info, format: .text))
        func parse(_ log: String) throws -> SlipwayConfig {
            try ConfigLoader.parse(
                Data(
                    Self.sample.replacingOccurrences(
                        of: #""store": "#, with: #""log": \#(log), "store": "#
                    ).utf8))
        }
        #expect(try parse(#"{"level": "debug", "format": "json"}"#).logging == .init(level: .debug, format: .json))
        #expect(try parse(#"{"level": "warning"}"#).logging == .init(level: .warning, format: .text))
        #expect {
            try parse(#"{"format": "jsn"}"#)
        } throws: { error in
            (error as? ConfigError)?.description == #"log.format: must be one of text, json (did you mean "json"?)"#
        }
        #expect {
            try parse(#"{"levle": "info"}"#)
        } throws: { error in
            (error as? ConfigError)?.description == #"log.levle: unknown field (did you mean "level"?)"#
        }
    }

    @Test("invalid JSON and missing sections are reported")
    func structure() {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(Data("{".utf8)) }
        #expect {
            try ConfigLoader.parse(Data(#"{"server": {}}"#.utf8))
        } throws: { error in
            (error as? ConfigError)?.description == "store: is required"
        }
    }

    @Test("missing secret variables are listed by path without values")
    func missingSecrets() throws {
        let config = try ConfigLoader.parse(Data(Self.sample.utf8))
        let missing = config.missingSecrets(in: ["SLACK_SIGNING_SECRET": "s3cr3t", "SLACK_BOT_TOKEN": ""])
        let paths = missing.map(\.path)
        #expect(paths.contains("slack.botTokenEnv"))
        #expect(paths.contains("ci.webhookSecretEnv"))
        #expect(!paths.contains("slack.signingSecretEnv"))
        #expect(missing.allSatisfy { !$0.description.contains("s3cr3t") })
        #expect(missing.first?.description.contains("SLACK_BOT_TOKEN is not set") == true)
    }
}
