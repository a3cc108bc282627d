extension SlackWebClient {
    /// Opens a modal for the user who triggered `triggerId` (`views.open`; the trigger is valid for 3 seconds).
    /// - Returns: The view's id.
    /// - Throws: ``SlackAPIError`` (e.g. `expired_trigger_id`, `invalid_arguments` with what Slack refused).
    @discardableResult
    public func openView(triggerId: String, view: SlackView) async throws(SlackAPIError) -> String {
        try await viewCall("views.open", "trigger_id", triggerId, view)
    }

    /// Publishes `view` (a `home` view) as `userId`'s App Home tab (`views.publish`).
    /// - Returns: The view's id.
    /// - Throws: ``SlackAPIError``.
    @discardableResult
    public func publishView(userId: String, view: SlackView) async throws(SlackAPIError) -> String {
        try await viewCall("views.publish", "user_id", userId, view)
    }

    private func viewCall(_ method: String, _ key: String, _ value: String, _ view: SlackView)
        async throws(SlackAPIError) -> String
    {
        var writer = JSONWriter(capacity: 2048)
        writer.beginObject()
        writer.field(key, value)
        writer.key("view")
        view.write(to: &writer)
        writer.endObject()
        let object = try await call(method, body: writer.bytes)
        return (object["view"] as? [String: Any])?["id"] as? String ?? ""
    }
}
