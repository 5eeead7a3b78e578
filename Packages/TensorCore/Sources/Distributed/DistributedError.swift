/// Why a distributed operation or the set-up of a process group failed.
///
/// Every case names the place (the operation, the library, the environment variable) so that a
/// message printed by one rank of a job says what to fix.
public enum DistributedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The launcher's environment is inconsistent, e.g. `OMPI_COMM_WORLD_RANK=3` with a size of 2.
    case invalidEnvironment(variable: String, value: String, requirement: String)
    /// No communication library could be opened; `tried` lists the names and the loader's messages
    /// (the message calls the engine NCCL when the first name tried is a `libnccl`, MPI otherwise).
    case libraryNotFound(tried: [String], hint: String)
    /// The library was opened but lacks a function or handle (`symbol`).
    case symbolMissing(library: String, symbol: String)
    /// The library is an implementation this engine does not bind (e.g. MPICH), with the remedy.
    case unsupportedImplementation(library: String, reason: String)
    /// The engine reported an error code for `operation` (`message` is the engine's own text).
    case engineFailure(operation: String, code: Int32, message: String)
    /// Ranks called a collective with different arguments (e.g. tensors of different sizes).
    case mismatch(operation: String, detail: String)
    /// A collective did not complete within the timeout: a peer died or diverged.
    case timedOut(operation: String, seconds: Double)
    /// Another rank of an in-process group left (returned or threw) while this one waited.
    case peerExited(operation: String, rank: Int)
    /// A setting is out of range (`root` outside `0..<size`, a negative bucket size, …).
    case invalidArgument(name: String, value: String, requirement: String)

    /// A one-line explanation naming the place and the problem.
    public var description: String {
        switch self {
        case .invalidEnvironment(let variable, let value, let requirement):
            return "launcher environment: \(variable)=\"\(value)\" \(requirement)"
        case .libraryNotFound(let tried, let hint):
            let engine = tried.first?.contains("libnccl") == true ? "NCCL" : "MPI"
            return "no \(engine) library could be loaded (tried \(tried.joined(separator: "; "))). \(hint)"
        case .symbolMissing(let library, let symbol):
            return "\(library) has no symbol \(symbol); is it a supported version?"
        case .unsupportedImplementation(let library, let reason):
            return "\(library): \(reason)"
        case .engineFailure(let operation, let code, let message):
            return "\(operation) failed with error \(code): \(message)"
        case .mismatch(let operation, let detail):
            return "\(operation): ranks disagree: \(detail)"
        case .timedOut(let operation, let seconds):
            return "\(operation) did not complete within \(seconds) s: a peer process died or stopped calling collectives"
        case .peerExited(let operation, let rank):
            return "\(operation): rank \(rank) left the group while this rank waited for it"
        case .invalidArgument(let name, let value, let requirement):
            return "\(name) = \(value) \(requirement)"
        }
    }
}
