@testable import CUDABackend
import CNCCLTypes
import DeepTrustSystem
import Synchronization

/// NCCL emulated in Swift for the tests: a table of C-compatible functions that takes the place of
/// the symbols `dlsym` finds in `libnccl.so.2`, so ``NCCLCommunicator`` runs its real binding code.
///
/// The ranks are threads of the test process (``InProcessGroup``), each with its own emulated GPU
/// (``EmulatedCUDADriver``: a device pointer is a host address). `ncclCommInitRank` waits until
/// every rank of the id has joined, as NCCL does; a collective waits until every rank of the
/// communicator has called it, snapshots every rank's send buffer and writes each rank's receive
/// buffer (so in-place calls are safe). Calls are recorded with their arguments, and any function
/// can be told to return a given `ncclResult_t`; `ncclCommGetAsyncError` can report an error.
///
/// The functions cannot capture context (C function pointers), so the state is one shared object:
/// suites using it run serialised and call ``reset()`` first.
final class EmulatedNCCL: Sendable {
    /// One recorded collective call, as NCCL received it.
    struct Call: Equatable, Sendable {
        var function: String
        var rank: Int
        var count: Int
        var dataType: Int32
        var op: Int32?
        var root: Int32?
        var stream: UInt
        /// Whether the send and receive buffers were the same address (NCCL's in-place form;
        /// for all-gather: send = receive + rank × count).
        var inPlace: Bool
    }

    private struct Member {
        var clique: String
        var rank: Int
        var size: Int
        var sequence = 0
    }

    private struct Round {
        var function: String
        var contributions: [[UInt8]?]
        var readers = 0
    }

    private struct Clique {
        var size: Int
        var joined: Set<Int> = []
        var rounds: [Int: Round] = [:]
    }

    private struct State {
        var failures: [String: Int32] = [:]
        var asynchronousError: Int32 = 0
        var idCounter = 0
        var uniqueIds = 0
        var nextComm: UInt = 0x1000
        var members: [UInt: Member] = [:]
        var cliques: [String: Clique] = [:]
        var calls: [Call] = []
        var destroyed = 0
        var aborted = 0
    }

    static let shared = EmulatedNCCL()
    static let version: Int32 = 22105
    private let state = Mutex(State())
    /// How long a rank waits for the others in an emulated call.
    private let timeoutSeconds = 20.0

    /// Clears the injected failures, the recorded calls and the counters.
    func reset() {
        state.withLock { state in
            state.failures = [:]
            state.asynchronousError = 0
            state.calls = []
            state.uniqueIds = 0
            state.destroyed = 0
            state.aborted = 0
        }
    }

    /// Makes NCCL function `function` (e.g. `"ncclAllReduce"`) return `code` (nil: work again).
    func setFailure(_ function: String, _ code: Int32?) { state.withLock { $0.failures[function] = code } }
    /// The error `ncclCommGetAsyncError` reports (0: none).
    func setAsynchronousError(_ code: Int32) { state.withLock { $0.asynchronousError = code } }
    var calls: [Call] { state.withLock { $0.calls } }
    var uniqueIdsMade: Int { state.withLock { $0.uniqueIds } }
    var destroyed: Int { state.withLock { $0.destroyed } }
    var aborted: Int { state.withLock { $0.aborted } }
    var liveCommunicators: Int { state.withLock { $0.members.count } }

    /// The function table ``NCCLCommunicator`` is built with in the tests.
    static var functions: NCCLFunctions {
        NCCLFunctions(
            getUniqueId: { id in EmulatedNCCL.shared.uniqueId(id) },
            commInitRank: { comm, size, id, rank in EmulatedNCCL.shared.initRank(comm, size: size, id: id, rank: rank) },
            allReduce: { send, receive, count, type, op, comm, stream in
                EmulatedNCCL.shared.allReduce(send, receive, count, type, op, comm, stream)
            },
            broadcast: { send, receive, count, type, root, comm, stream in
                EmulatedNCCL.shared.broadcast(send, receive, count, type, root, comm, stream)
            },
            allGather: { send, receive, count, type, comm, stream in
                EmulatedNCCL.shared.allGather(send, receive, count, type, comm, stream)
            },
            commDestroy: { comm in EmulatedNCCL.shared.release(comm, aborted: false) },
            commAbort: { comm in EmulatedNCCL.shared.release(comm, aborted: true) },
            commGetAsyncError: { comm, error in
                error?.pointee = EmulatedNCCL.shared.state.withLock { $0.asynchronousError }
                return EmulatedNCCL.shared.injected("ncclCommGetAsyncError") ?? 0
            },
            getErrorString: { code in
                let text: StaticString =
                    switch code {
                    case 0: "no error"
                    case 1: "unhandled cuda error (run with NCCL_DEBUG=INFO for details)"
                    case 2: "unhandled system error (run with NCCL_DEBUG=INFO for details)"
                    case 4: "invalid argument (run with NCCL_DEBUG=WARN for details)"
                    case 5: "invalid usage (run with NCCL_DEBUG=WARN for details)"
                    case 6: "remote process exited or there was a network error"
                    default: "unknown result code"
                    }
                return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
            },
            getVersion: { version in
                version?.pointee = EmulatedNCCL.version
                return 0
            },
            libraryName: "emulated libnccl")
    }

    // MARK: - Functions

    private func injected(_ function: String) -> Int32? { state.withLock { $0.failures[function] } }

    private func uniqueId(_ id: UnsafeMutablePointer<dt_nccl_unique_id>?) -> Int32 {
        if let code = injected("ncclGetUniqueId") { return code }
        guard let id else { return 4 }
        let number = state.withLock { state in
            state.uniqueIds += 1
            state.idCounter += 1
            return state.idCounter
        }
        id.pointee = dt_nccl_unique_id()
        withUnsafeMutableBytes(of: &id.pointee) { bytes in
            let text = Array("emulated-nccl-\(number)".utf8)
            bytes.copyBytes(from: text)
        }
        return 0
    }

    private func key(_ id: dt_nccl_unique_id) -> String {
        var id = id
        return withUnsafeBytes(of: &id) { bytes in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private func initRank(_ comm: UnsafeMutablePointer<OpaquePointer?>?, size: Int32, id: dt_nccl_unique_id, rank: Int32) -> Int32
    {
        if let code = injected("ncclCommInitRank") { return code }
        guard let comm, size >= 1, (0..<size).contains(rank) else { return 4 }
        let clique = key(id)
        guard !clique.isEmpty else { return 4 }
        let handle: UInt = state.withLock { state in
            var entry = state.cliques[clique] ?? Clique(size: Int(size))
            entry.joined.insert(Int(rank))
            state.cliques[clique] = entry
            state.nextComm += 0x10
            state.members[state.nextComm] = Member(clique: clique, rank: Int(rank), size: Int(size))
            return state.nextComm
        }
        // Every rank of the id must join before any returns, as in NCCL.
        guard wait({ $0.cliques[clique]?.joined.count == Int(size) }) else { return 2 }
        comm.pointee = OpaquePointer(bitPattern: handle)
        return 0
    }

    private func release(_ comm: OpaquePointer?, aborted: Bool) -> Int32 {
        if let code = injected(aborted ? "ncclCommAbort" : "ncclCommDestroy") { return code }
        let handle = UInt(bitPattern: comm.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0)
        return state.withLock { state in
            guard state.members.removeValue(forKey: handle) != nil else { return 4 }
            if aborted { state.aborted += 1 } else { state.destroyed += 1 }
            return 0
        }
    }

    private static func elementSize(_ type: Int32) -> Int? {
        switch type {
        case NCCLFunctions.DataType.uint8.rawValue: 1
        case NCCLFunctions.DataType.float32.rawValue: 4
        case NCCLFunctions.DataType.float64.rawValue: 8
        default: nil
        }
    }

    private func allReduce(
        _ send: UnsafeRawPointer?, _ receive: UnsafeMutableRawPointer?, _ count: Int, _ type: Int32, _ op: Int32,
        _ comm: OpaquePointer?, _ stream: OpaquePointer?
    ) -> Int32 {
        guard let width = Self.elementSize(type), type != NCCLFunctions.DataType.uint8.rawValue, op == NCCLFunctions.sum else {
            return 4
        }
        return collective(
            "ncclAllReduce", comm, stream, count: count, type: type, op: op, root: nil,
            inPlace: send == UnsafeRawPointer(receive),
            contribution: send.map { Array(UnsafeRawBufferPointer(start: $0, count: count * width)) } ?? []
        ) { all, _ in
            guard let receive else { return }
            if type == NCCLFunctions.DataType.float32.rawValue {
                Self.sum(all, into: receive.bindMemory(to: Float.self, capacity: count), count: count)
            } else {
                Self.sum(all, into: receive.bindMemory(to: Double.self, capacity: count), count: count)
            }
        }
    }

    private func broadcast(
        _ send: UnsafeRawPointer?, _ receive: UnsafeMutableRawPointer?, _ count: Int, _ type: Int32, _ root: Int32,
        _ comm: OpaquePointer?, _ stream: OpaquePointer?
    ) -> Int32 {
        guard let width = Self.elementSize(type) else { return 4 }
        let rank = member(comm)?.rank
        guard let size = member(comm)?.size, (0..<Int32(size)).contains(root) else { return 4 }
        return collective(
            "ncclBroadcast", comm, stream, count: count, type: type, op: nil, root: root,
            inPlace: send == UnsafeRawPointer(receive),
            contribution: rank == Int(root)
                ? send.map { Array(UnsafeRawBufferPointer(start: $0, count: count * width)) } ?? [] : []
        ) { all, _ in
            guard let receive else { return }
            all[Int(root)].withUnsafeBytes { receive.copyMemory(from: $0.baseAddress!, byteCount: count * width) }
        }
    }

    private func allGather(
        _ send: UnsafeRawPointer?, _ receive: UnsafeMutableRawPointer?, _ count: Int, _ type: Int32,
        _ comm: OpaquePointer?, _ stream: OpaquePointer?
    ) -> Int32 {
        guard let width = Self.elementSize(type), let rank = member(comm)?.rank else { return 4 }
        let inPlace = receive.map { UnsafeRawPointer($0 + rank * count * width) } == send
        return collective(
            "ncclAllGather", comm, stream, count: count, type: type, op: nil, root: nil, inPlace: inPlace,
            contribution: send.map { Array(UnsafeRawBufferPointer(start: $0, count: count * width)) } ?? []
        ) { all, _ in
            guard let receive else { return }
            let joined = all.flatMap { $0 }
            joined.withUnsafeBytes { receive.copyMemory(from: $0.baseAddress!, byteCount: joined.count) }
        }
    }

    private func member(_ comm: OpaquePointer?) -> Member? {
        let handle = UInt(bitPattern: comm.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0)
        return state.withLock { $0.members[handle] }
    }

    /// One collective round: deposit this rank's bytes, wait for every rank's, hand them to `finish`.
    private func collective(
        _ function: String, _ comm: OpaquePointer?, _ stream: OpaquePointer?, count: Int, type: Int32, op: Int32?,
        root: Int32?, inPlace: Bool, contribution: [UInt8], finish: ([[UInt8]], Int) -> Void
    ) -> Int32 {
        if let code = injected(function) { return code }
        let handle = UInt(bitPattern: comm.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0)
        let streamBits = UInt(bitPattern: stream.map { Int(bitPattern: UnsafeRawPointer($0)) } ?? 0)
        let entry: (clique: String, rank: Int, round: Int)? = state.withLock { state in
            guard var member = state.members[handle] else { return nil }
            let round = member.sequence
            member.sequence += 1
            state.members[handle] = member
            var clique = state.cliques[member.clique]!
            var current =
                clique.rounds[round] ?? Round(function: function, contributions: Array(repeating: nil, count: clique.size))
            current.contributions[member.rank] = contribution
            clique.rounds[round] = current
            state.cliques[member.clique] = clique
            state.calls.append(
                Call(
                    function: function, rank: member.rank, count: count, dataType: type, op: op, root: root, stream: streamBits,
                    inPlace: inPlace))
            return (member.clique, member.rank, round)
        }
        guard let entry else { return 4 }
        guard wait({ $0.cliques[entry.clique]?.rounds[entry.round]?.contributions.allSatisfy { $0 != nil } == true }) else {
            return 2
        }
        let all: [[UInt8]] = state.withLock { state in
            var round = state.cliques[entry.clique]!.rounds[entry.round]!
            round.readers += 1
            state.cliques[entry.clique]!.rounds[entry.round] = round.readers == round.contributions.count ? nil : round
            return round.contributions.map { $0! }
        }
        finish(all, entry.rank)
        return 0
    }

    /// Polls `condition` on the state until it holds or the timeout passes.
    private func wait(_ condition: (State) -> Bool) -> Bool {
        let deadline = Self.now() + timeoutSeconds
        while Self.now() < deadline {
            if state.withLock({ condition($0) }) { return true }
            usleep(200)
        }
        return false
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private static func sum<T: BinaryFloatingPoint>(_ all: [[UInt8]], into result: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { result[i] = 0 }
        for block in all {
            block.withUnsafeBytes { raw in
                for i in 0..<count { result[i] += raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) }
            }
        }
    }
}
