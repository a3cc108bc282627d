/// The help shown for `help` on each command, written with the configured command names.
public enum HelpText {
    public static func text(for command: SlashCommand.CommandName, names: SlashCommandNames = .defaults) -> String {
        let deploy = names.deploy
        let rollback = names.rollback
        let status = names.status
        switch command {
        case .deploy:
            return """
                *`\(deploy)`* — ship an image to an environment
                • `\(deploy) <service> <env>` — promote what runs in the environment it promotes from (e.g. staging → prod)
                • `\(deploy) <service> <env> <tag|sha>` — deploy a specific image tag (`main-1a2b3c4`) or the commit CI built it from
                • `\(deploy) <service> <env> [tag] --emergency <reason>` — pass freeze and promotion gates (never a lock); always needs an approver other than you
                • `\(deploy) <service> <env> [tag] --skip-canary` — straight to the primary, where a canary is configured (approvers only)
                • `\(deploy) lock <service> <env> <reason>` — block all deploys (manual and CI) until unlocked; `\(deploy) lock <service> <env> 2h <reason>` lifts itself after 2 h
                • `\(deploy) unlock <service> <env>` — lift a lock; the newest CI image it blocked is deployed
                • `\(deploy) freeze <env|all> <duration> <reason>` and `\(deploy) unfreeze <env|all>` — for approvers; CI images are held until it ends
                • `\(deploy) status [service] [env]` and `\(deploy) stats` — the same as `\(status)`
                Promotion only takes tags that succeeded where the environment promotes from. Production deploys need approval by someone other than you. Type `\(status)` to see services and environments.
                """
        case .rollback:
            return """
                *`\(rollback)`* — go back to a known good image
                • `\(rollback) <service> <env>` — the last tag that deployed successfully before the current one
                • `\(rollback) <service> <env> <tag>` — a tag of your choice (not one that failed there, unless `--emergency <reason>`)
                A rollback needs approval where deploys do, and locks the environment once approved ("fix forward or unlock").
                """
        case .status:
            return """
                *`\(status)`* — what runs where (also `\(deploy) status`)
                • `\(status)` — every service: current tag per environment, deploys in flight, locks
                • `\(status) <service> [env]` — one service or environment with its recent deploys
                • `\(status) stats` — deploys, rollbacks, change failure rate and lead time over the last 90 days
                """
        }
    }
}
