import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

extension StatusReport {
    /// The newest verified deploy of each environment that has `verify`.
    func verifiedDeploys(in r: any StoreReader) throws -> [EnvironmentKey: Deploy] {
        var verified: [EnvironmentKey: Deploy] = [:]
        for service in catalog.serviceNames {
            for (name, env) in catalog.services[service]?.environments ?? [:] where env.verify != nil {
                let succeeded = try r.deploys(service: service, environment: name, state: .succeeded, limit: 20)
                if let newest = succeeded.first(where: \.isVerified) {
                    verified[EnvironmentKey(service: service, environment: name)] = newest
                }
            }
        }
        return verified
    }

    /// " · ✅ verified `main-1a2b3c4`", or nothing.
    static func verifiedText(_ deploy: Deploy?) -> String {
        guard let deploy else { return "" }
        return " · ✅ verified `\(SlackText.escape(deploy.targetTag))`"
    }
}
