import DeployCore
import Testing

@Suite("Slash command grammar")
struct CommandParserTests {
    @Test(
        "deploy, lock, unlock, rollback, status and help parse",
        arguments: [
            ("/deploy", "shop staging", SlashCommand.deploy(service: "shop", environment: "staging", ref: nil)),
            ("/deploy", "Shop PROD main-1a2b3c4", .deploy(service: "shop", environment: "prod", ref: "main-1a2b3c4")),
            ("/deploy", "  shop   prod\t5d6e7f8 ", .deploy(service: "shop", environment: "prod", ref: "5d6e7f8")),
            (
                "/deploy", "lock shop prod db migration running",
                .lock(service: "shop", environment: "prod", reason: "db migration running")
            ),
            ("/deploy", "unlock shop prod", .unlock(service: "shop", environment: "prod")),
            ("/rollback", "shop prod", .rollback(service: "shop", environment: "prod", tag: nil)),
            (
                "/rollback", "shop prod main-1a2b3c4",
                .rollback(service: "shop", environment: "prod", tag: "main-1a2b3c4")
            ),
            ("/status", "", .status(service: nil, environment: nil)),
            ("/status", "shop", .status(service: "shop", environment: nil)),
            ("/status", "shop prod", .status(service: "shop", environment: "prod")),
            ("/status", "stats", .stats),
            ("/status", "\u{00A0}Shop\u{00A0}\u{00A0}prod\n", .status(service: "shop", environment: "prod")),
            ("/status", "SHOP Prod", .status(service: "shop", environment: "prod")),
            ("/status", "café prod", .status(service: "café", environment: "prod")),
            ("/deploy", "help", .help(.deploy)),
            ("/ROLLBACK", "--help", .help(.rollback)),
        ])
    func parses(_ command: String, _ text: String, _ expected: SlashCommand) throws {
        #expect(try CommandParser.parse(command: command, text: text) == expected)
    }

    @Test(
        "malformed input explains what to type",
        arguments: [
            ("/deploy", "", "Usage: `/deploy <service> <env> [tag|sha]`"),
            ("/deploy", "shop", "takes a service, an environment"),
            ("/deploy", "shop prod main-1 extra", "takes a service, an environment"),
            ("/deploy", "lock shop prod", "A reason is required"),
            ("/deploy", "unlock shop", "Usage: `/deploy unlock <service> <env>`"),
            ("/deploy", "shop prod <!channel>", "is not an image tag"),
            ("/rollback", "shop", "Usage: `/rollback <service> <env> [tag]`"),
            ("/status", "a b c", "Usage: `/deploy-status [service] [env]`"),
            ("/ship", "shop prod", "Slipway does not handle `/ship`"),
        ])
    func rejects(_ command: String, _ text: String, _ message: String) {
        #expect {
            try CommandParser.parse(command: command, text: text)
        } throws: { error in
            (error as? CommandError)?.message.contains(message) == true
        }
    }

    @Test("tags and shas")
    func refs() {
        #expect(CommandParser.isValidTag("main-1a2b3c4"))
        #expect(CommandParser.isValidTag("v1.2.3_rc1"))
        #expect(!CommandParser.isValidTag("-leading"))
        #expect(!CommandParser.isValidTag("has space"))
        #expect(!CommandParser.isValidTag(String(repeating: "a", count: 129)))
        #expect(CommandParser.isCommitSHA("1a2b3c4"))
        #expect(!CommandParser.isCommitSHA("1a2b3c"))
        #expect(!CommandParser.isCommitSHA("main-1a2b3c4"))
    }
}

@Suite("Suggestions")
struct SuggestionTests {
    @Test(
        "typos map to the closest name",
        arguments: [
            ("shpo", "shop"), ("stagin", "staging"), ("prdo", "prod"), ("prod", "prod"), ("api", "api"), ("ap", "api"),
        ])
    func closest(_ input: String, _ expected: String) {
        #expect(Suggestion.closest(to: input, among: ["shop", "api", "staging", "prod", "billing"]) == expected)
    }

    @Test("unrelated names get no suggestion")
    func unrelated() {
        #expect(Suggestion.closest(to: "kubernetes", among: ["shop", "api"]) == nil)
        #expect(Suggestion.didYouMean("zzzz", among: ["shop"]) == "")
    }

    @Test("edit distance counts a swap of neighbours as one")
    func distance() {
        #expect(Suggestion.editDistance(Array("shpo"), Array("shop")) == 1)
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestion.editDistance(Array(""), Array("abc")) == 3)
    }
}
