import DeepTrustSystem

/// Rank and size as a launcher (`mpirun`, `mpiexec`) announces them in the environment.
struct LaunchEnvironment: Equatable {
    /// The variable pairs read, in order of preference: Open MPI, then MPICH/PMI, then our own.
    static let variables: [(rank: String, size: String)] = [
        ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
        ("PMI_RANK", "PMI_SIZE"),
        ("DEEPTRUST_RANK", "DEEPTRUST_WORLD_SIZE"),
    ]

    var rank: Int
    var size: Int
    /// The variable that gave the size.
    var source: String

    /// The launch described by `environment`, or `nil` when no launcher variable is set.
    /// - Throws: ``DistributedError/invalidEnvironment(variable:value:requirement:)`` when a value
    ///   is not an integer, the size is < 1, the rank is outside `0..<size`, or only one of a pair is set.
    init?(_ environment: [String: String]) throws(DistributedError) {
        for (rankName, sizeName) in Self.variables {
            let rankText = environment[rankName], sizeText = environment[sizeName]
            if rankText == nil && sizeText == nil { continue }
            if sizeText == "1" && rankText == nil { rank = 0; size = 1; source = sizeName; return }
            guard let sizeText else {
                throw .invalidEnvironment(variable: sizeName, value: "", requirement: "must be set when \(rankName) is")
            }
            guard let rankText else {
                throw .invalidEnvironment(variable: rankName, value: "", requirement: "must be set when \(sizeName) is")
            }
            guard let size = Int(sizeText), size >= 1 else {
                throw .invalidEnvironment(variable: sizeName, value: sizeText, requirement: "must be an integer ≥ 1")
            }
            guard let rank = Int(rankText), (0..<size).contains(rank) else {
                throw .invalidEnvironment(
                    variable: rankName, value: rankText, requirement: "must be an integer in 0..<\(size) (\(sizeName))")
            }
            self.rank = rank
            self.size = size
            source = sizeName
            return
        }
        return nil
    }

    /// The launcher variables of this process's environment.
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        for (rank, size) in variables {
            result[rank] = environmentVariable(rank)
            result[size] = environmentVariable(size)
        }
        return result
    }
}
