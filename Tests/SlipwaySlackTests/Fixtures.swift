import Foundation

/// Byte-exact copies of `shared/fixtures/slack/*` (the package declares no resources). `matchesSharedFixture`
/// compares them with the shared files when those are checked out beside the repository.
enum Fixtures {
    /// `signing-example.txt`: the body of Slack's published signing example (no trailing newline).
    static let signingExample =
        #"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"#

    static let signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let signingTimestamp: Int64 = 1_531_420_618
    static let signingSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

    /// `slash-command-deploy.txt`: a `/deploy` slash command body (no trailing newline).
    static let slashCommandDeploy =
        #"token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=deploys&user_id=U2147483697&user_name=Steve&command=%2Fdeploy&text=api%20prod%20main-4f2c1a9&api_app_id=A123456&is_enterprise_install=false&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678%2Fabcdef&trigger_id=13345224609.738474920.8088930838d88f008e0"#

    /// `block-actions-approve.json` (ends with a newline, as the file does).
    static let blockActionsApprove = #"""
        {
          "type": "block_actions",
          "team": {"id": "T0001", "domain": "example"},
          "user": {"id": "U0APPROVER", "username": "dana", "name": "dana", "team_id": "T0001"},
          "api_app_id": "A123456",
          "token": "9s8d9as89d8as9d8as989",
          "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C2147483705", "is_ephemeral": false},
          "trigger_id": "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3",
          "channel": {"id": "C2147483705", "name": "deploys"},
          "message": {"type": "message", "bot_id": "B0BOT", "user": "U0BOT", "ts": "1700000000.000100", "text": "Rollback api prod to main-1a2b3c4?", "blocks": []},
          "state": {"values": {}},
          "response_url": "https://hooks.slack.com/actions/T0001/1232321423432/D09sSasdasdAS9091209",
          "actions": [
            {"action_id": "rollback.approve", "block_id": "approval", "value": "OPAQUE-VALUE-SET-BY-THE-BOT",
             "type": "button", "style": "primary", "text": {"type": "plain_text", "text": "Approve", "emoji": true},
             "action_ts": "1700000042.840180"}
          ]
        }

        """#

    /// The shared fixture file, when `shared/` is checked out beside the repository.
    static func sharedFixture(_ name: String, file: String = #filePath) -> [UInt8]? {
        let repository = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let url = repository.deletingLastPathComponent().appendingPathComponent("shared/fixtures/slack/\(name)")
        return FileManager.default.contents(atPath: url.path).map { [UInt8]($0) }
    }
}
