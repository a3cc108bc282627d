import DeployCore
import Foundation

private enum SQL {
    static let select = "SELECT \(StoreRows.deployColumns) FROM deploys"
    static let byId = "\(select) WHERE id = $1"
    static let byApprovalToken = "\(select) WHERE approval_token = $1 ORDER BY created_at DESC, seq DESC LIMIT 1"
    static let recent = "\(select) ORDER BY created_at DESC, seq DESC LIMIT $1"
    static let recentOfService = "\(select) WHERE service = $1 ORDER BY created_at DESC, seq DESC LIMIT $2"
    static let recentOfEnvironment = "\(select) WHERE environment = $1 ORDER BY created_at DESC, seq DESC LIMIT $2"
    static let recentOfTarget =
        "\(select) WHERE service = $1 AND environment = $2 ORDER BY created_at DESC, seq DESC LIMIT $3"
    static let ofTargetInState =
        "\(select) WHERE service = $1 AND environment = $2 AND state = $3 ORDER BY created_at DESC, seq DESC LIMIT $4"
    static let createdSince = "\(select) WHERE created_at >= $1 ORDER BY created_at, seq"
    static let insert =
        "INSERT INTO deploys (\(StoreRows.deployColumns)) VALUES (\(StoreRows.placeholders(StoreRows.deployColumnNames.count)))"
    /// Sets every column but `id` ($1) from the same parameter list, and checks the version ($37).
    static let update: String = {
        let names = StoreRows.deployColumnNames
        let assignments = names.indices.dropFirst().dropLast().map { "\(names[$0]) = $\($0 + 1)" }
        return "UPDATE deploys SET \(assignments.joined(separator: ", ")), version = version + 1 "
            + "WHERE id = $1 AND version = $\(names.count)"
    }()
    /// `state IN (...)` statements by number of states, so each count is prepared once.
    static let inStates: [String] = (0...DeployState.allCases.count).map { count in
        "\(select) WHERE state IN (\(StoreRows.placeholders(count))) ORDER BY created_at, seq"
    }
}

extension SQLTransaction {
    func deploy(id: String) throws -> Deploy? {
        try first(SQL.byId, [.text(id)], StoreRows.deploy)
    }

    func deploy(approvalToken: String) throws -> Deploy? {
        try first(SQL.byApprovalToken, [.text(approvalToken)], StoreRows.deploy)
    }

    func deploys(in states: Set<DeployState>) throws -> [Deploy] {
        guard !states.isEmpty else { return [] }
        let values = states.map(\.rawValue).sorted().map(SQLValue.text)
        return try query(SQL.inStates[values.count], values, StoreRows.deploy)
    }

    func recentDeploys(service: String?, environment: String?, limit: Int) throws -> [Deploy] {
        let limit = SQLValue.integer(Int64(max(0, limit)))
        switch (service, environment) {
        case (nil, nil): return try query(SQL.recent, [limit], StoreRows.deploy)
        case (let service?, nil): return try query(SQL.recentOfService, [.text(service), limit], StoreRows.deploy)
        case (nil, let environment?):
            return try query(SQL.recentOfEnvironment, [.text(environment), limit], StoreRows.deploy)
        case (let service?, let environment?):
            return try query(SQL.recentOfTarget, [.text(service), .text(environment), limit], StoreRows.deploy)
        }
    }

    func deploys(service: String, environment: String, state: DeployState, limit: Int) throws -> [Deploy] {
        try query(
            SQL.ofTargetInState,
            [.text(service), .text(environment), .text(state.rawValue), .integer(Int64(max(0, limit)))],
            StoreRows.deploy)
    }

    func deploys(createdSince since: Date) throws -> [Deploy] {
        try query(SQL.createdSince, [SQLValue(since)], StoreRows.deploy)
    }

    func insert(_ deploy: Deploy) throws {
        var values = StoreRows.deployValues(deploy)
        values[values.count - 1] = .integer(0)
        try execute(SQL.insert, values)
    }

    func update(_ deploy: Deploy) throws -> Deploy? {
        guard try execute(SQL.update, StoreRows.deployValues(deploy)) == 1 else { return nil }
        var stored = deploy
        stored.version += 1
        return stored
    }
}
