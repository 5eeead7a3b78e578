import DeepTrustSystem
import Synchronization

/// MPI, loaded at run time with `dlopen`: nothing of MPI is needed to build or link DeepTrust.
///
/// Supported: **Open MPI** (`libmpi.so.40`, Debian's `openmpi-bin`, 4.x and 5.x), whose handles
/// (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, …) are the addresses of exported globals
/// (`ompi_mpi_comm_world`, …) found with `dlsym`. **MPICH** (`libmpi.so.12`) is recognised and
/// refused with ``DistributedError/unsupportedImplementation(library:reason:)``: its handles are
/// integer constants compiled into programs, which this binding does not carry.
///
/// The library is opened with `RTLD_GLOBAL` (Open MPI's plugins resolve symbols of `libmpi`),
/// initialised with `MPI_Init_thread(MPI_THREAD_SERIALIZED)`, and `MPI_COMM_WORLD` gets the
/// `MPI_ERRORS_RETURN` handler, so a failure becomes a thrown ``DistributedError`` instead of an
/// abort without explanation. A watchdog thread ends the job with `MPI_Abort` and a message when
/// one collective takes longer than `DEEPTRUST_COLLECTIVE_TIMEOUT` seconds (default 600; 0 turns
/// it off): a peer that died or stopped calling collectives never leaves the others hanging.
/// `MPI_Finalize` runs when the process exits.
///
/// `@unchecked Sendable`: the stored function pointers and handles are set once in `init` and
/// point into a library that is never unloaded; calls into MPI are serialised by `callLock`
/// (MPI_THREAD_SERIALIZED), and the watchdog only reads the atomic `collectiveStart`.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    /// `MPI_Comm_rank` of `MPI_COMM_WORLD`.
    public let rank: Int
    /// `MPI_Comm_size` of `MPI_COMM_WORLD`.
    public let size: Int
    /// `"MPI (<library file>)"`.
    public let engineName: String
    /// `MPI_Get_library_version`'s first line, e.g. `"Open MPI v4.1.6, …"`.
    public let libraryVersion: String

    typealias Handle = UnsafeMutableRawPointer
    private let world: Handle, floatType: Handle, doubleType: Handle, byteType: Handle, sumOp: Handle
    private let allreduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    private let bcast: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    private let allgather:
        @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Handle) -> Int32
    private let barrierFunction: @convention(c) (Handle) -> Int32
    private let abortFunction: @convention(c) (Handle, Int32) -> Int32
    private let errorString: @convention(c) (Int32, UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32
    fileprivate let finalizeFunction: @convention(c) () -> Int32
    fileprivate let finalizedFunction: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32

    private let callLock = Mutex(())
    /// Monotonic nanoseconds when the running collective started (0: none), read by the watchdog.
    fileprivate let collectiveStart = Atomic<UInt64>(0)
    fileprivate let collectiveName = Mutex("")
    fileprivate let timeoutSeconds: Double

    /// The library names tried, in order: Open MPI's soname, then MPICH's.
    public static let candidates = ["libmpi.so.40", "libmpi.so.12", "libmpi.so"]

    /// The process's MPI communicator over `MPI_COMM_WORLD`, initialising MPI on the first call
    /// (later calls return the same communicator).
    ///
    /// - Parameters:
    ///   - expectedRank, expectedSize: what the launcher's environment announced; MPI must agree.
    /// - Throws: ``DistributedError/libraryNotFound(tried:hint:)`` (install `openmpi-bin`),
    ///   ``DistributedError/unsupportedImplementation(library:reason:)`` for MPICH,
    ///   ``DistributedError/symbolMissing(library:symbol:)``, ``DistributedError/engineFailure(operation:code:message:)``
    ///   when initialisation fails, ``DistributedError/invalidEnvironment(variable:value:requirement:)``
    ///   when MPI's rank or size differ from the environment's.
    public static func initialize(expectedRank: Int, expectedSize: Int) throws(DistributedError) -> MPICommunicator {
        try shared.withLock { (current: inout MPICommunicator?) throws(DistributedError) -> MPICommunicator in
            if let current { return current }
            let made = try MPICommunicator(candidates: candidates)
            guard made.size == expectedSize, made.rank == expectedRank else {
                throw .invalidEnvironment(
                    variable: "rank/size", value: "\(expectedRank)/\(expectedSize)",
                    requirement: "disagrees with MPI's rank \(made.rank) of \(made.size) (launched by another MPI's mpirun?)")
            }
            current = made
            made.startWatchdog()
            atexit { MPICommunicator.finalizeAtExit() }
            return made
        }
    }

    private static let shared = Mutex<MPICommunicator?>(nil)

    private init(candidates: [String]) throws(DistributedError) {
        var messages: [String] = []
        var opened: (handle: UnsafeMutableRawPointer, name: String)?
        for name in candidates {
            if let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) {
                opened = (handle, name)
                break
            }
            messages.append("\(name): \(dlerror().map { String(cString: $0) } ?? "not found")")
        }
        guard let (library, name) = opened else {
            throw .libraryNotFound(
                tried: messages, hint: "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin) on every host.")
        }
        func symbol(_ symbolName: String) throws(DistributedError) -> UnsafeMutableRawPointer {
            guard let address = dlsym(library, symbolName) else { throw .symbolMissing(library: name, symbol: symbolName) }
            return address
        }
        func function<F>(_ symbolName: String, as type: F.Type) throws(DistributedError) -> F {
            unsafeBitCast(try symbol(symbolName), to: F.self)
        }
        guard dlsym(library, "ompi_mpi_comm_world") != nil else {
            let isMPICH = dlsym(library, "MPIR_Err_return_comm") != nil || name.hasSuffix(".12")
            throw .unsupportedImplementation(
                library: name,
                reason: isMPICH
                    ? "MPICH is not supported (its handles are compile-time integers); install Open MPI (openmpi-bin) and launch with its mpirun"
                    : "not Open MPI (no ompi_mpi_comm_world); install Open MPI (openmpi-bin)")
        }
        world = try symbol("ompi_mpi_comm_world")
        floatType = try symbol("ompi_mpi_float")
        doubleType = try symbol("ompi_mpi_double")
        byteType = try symbol("ompi_mpi_byte")
        sumOp = try symbol("ompi_mpi_op_sum")
        let errorsReturn = try symbol("ompi_mpi_errors_return")
        allreduce = try function("MPI_Allreduce", as: type(of: allreduce))
        bcast = try function("MPI_Bcast", as: type(of: bcast))
        allgather = try function("MPI_Allgather", as: type(of: allgather))
        barrierFunction = try function("MPI_Barrier", as: type(of: barrierFunction))
        abortFunction = try function("MPI_Abort", as: type(of: abortFunction))
        errorString = try function("MPI_Error_string", as: type(of: errorString))
        finalizeFunction = try function("MPI_Finalize", as: type(of: finalizeFunction))
        finalizedFunction = try function("MPI_Finalized", as: type(of: finalizedFunction))
        let initialized = try function("MPI_Initialized", as: (@convention(c) (UnsafeMutablePointer<Int32>) -> Int32).self)
        let initThread = try function(
            "MPI_Init_thread",
            as: (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int32>) -> Int32)
                .self)
        let commRank = try function("MPI_Comm_rank", as: (@convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32).self)
        let commSize = try function("MPI_Comm_size", as: (@convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32).self)
        let setErrhandler = try function("MPI_Comm_set_errhandler", as: (@convention(c) (Handle, Handle) -> Int32).self)
        let version = try function(
            "MPI_Get_library_version",
            as: (@convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32).self)

        var flag: Int32 = 0
        _ = initialized(&flag)
        if flag == 0 {
            var provided: Int32 = 0
            let serialized: Int32 = 2  // MPI_THREAD_SERIALIZED
            let code = initThread(nil, nil, serialized, &provided)
            guard code == 0 else {
                throw .engineFailure(operation: "MPI_Init_thread", code: code, message: "see MPI's output above")
            }
        }
        _ = setErrhandler(world, errorsReturn)
        var value: Int32 = 0
        _ = commRank(world, &value)
        rank = Int(value)
        _ = commSize(world, &value)
        size = Int(value)
        var text = [CChar](repeating: 0, count: 8192)
        var length: Int32 = 0
        _ = version(&text, &length)
        libraryVersion =
            String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "\n").first.map(String.init) ?? ""
        engineName = "MPI (\(name))"
        let configured = environmentVariable("DEEPTRUST_COLLECTIVE_TIMEOUT").flatMap(Double.init)
        timeoutSeconds = configured ?? 600
    }

    /// `MPI_Allreduce(MPI_IN_PLACE, …, MPI_FLOAT, MPI_SUM)`.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        guard let count = Int32(exactly: values.count) else { throw tooLarge("MPI_Allreduce", values.count) }
        try call("MPI_Allreduce") {
            allreduce(UnsafeRawPointer(bitPattern: 1), values.baseAddress, count, floatType, sumOp, world)
        }
    }

    /// `MPI_Allreduce(values, result, …, MPI_FLOAT, MPI_SUM)`: no copy on this side.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func allReduceSum(
        _ values: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>
    ) throws(DistributedError) {
        precondition(values.count == result.count, "allReduceSum: \(values.count) values into \(result.count)")
        guard let count = Int32(exactly: values.count) else { throw tooLarge("MPI_Allreduce", values.count) }
        try call("MPI_Allreduce") {
            allreduce(UnsafeRawPointer(values.baseAddress), result.baseAddress, count, floatType, sumOp, world)
        }
    }

    /// `MPI_Allreduce(MPI_IN_PLACE, …, MPI_DOUBLE, MPI_SUM)`.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        guard let count = Int32(exactly: values.count) else { throw tooLarge("MPI_Allreduce", values.count) }
        try call("MPI_Allreduce") {
            allreduce(UnsafeRawPointer(bitPattern: 1), values.baseAddress, count, doubleType, sumOp, world)
        }
    }

    /// `MPI_Bcast` of bytes from `root`.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws(DistributedError) {
        guard let count = Int32(exactly: bytes.count) else { throw tooLarge("MPI_Bcast", bytes.count) }
        try call("MPI_Bcast") { bcast(bytes.baseAddress, count, byteType, Int32(root), world) }
    }

    /// `MPI_Allgather` of equal byte blocks.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func allGather(_ bytes: UnsafeRawBufferPointer, into result: UnsafeMutableRawBufferPointer) throws(DistributedError) {
        guard let count = Int32(exactly: bytes.count), result.count == bytes.count * size else {
            throw tooLarge("MPI_Allgather", bytes.count)
        }
        try call("MPI_Allgather") { allgather(bytes.baseAddress, count, byteType, result.baseAddress, count, byteType, world) }
    }

    /// `MPI_Barrier`.
    /// - Throws: ``DistributedError/engineFailure(operation:code:message:)`` with MPI's message.
    public func barrier() throws(DistributedError) {
        try call("MPI_Barrier") { barrierFunction(world) }
    }

    /// Prints `message`, then `MPI_Abort(MPI_COMM_WORLD, exitCode)`, which ends every rank.
    public func abort(_ message: String, exitCode: Int32) -> Never {
        writeStandardError("error: \(message)\n")
        _ = abortFunction(world, exitCode)
        _exit(exitCode)  // not exit(): MPI_Finalize at exit would wait for the peers
    }

    // MARK: - Private

    private func tooLarge(_ operation: String, _ count: Int) -> DistributedError {
        .invalidArgument(name: "\(operation) count", value: "\(count)", requirement: "must fit in a 32-bit int")
    }

    /// Runs one MPI call under the call lock and the watchdog's clock; a non-zero code is thrown
    /// with MPI's message.
    private func call(_ operation: String, _ body: () -> Int32) throws(DistributedError) {
        let code: Int32 = callLock.withLock { _ in
            collectiveName.withLock { $0 = operation }
            collectiveStart.store(Self.now(), ordering: .releasing)
            defer { collectiveStart.store(0, ordering: .releasing) }
            return body()
        }
        guard code == 0 else { throw .engineFailure(operation: operation, code: code, message: message(for: code)) }
    }

    private func message(for code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        guard errorString(code, &text, &length) == 0 else { return "unknown MPI error" }
        return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    fileprivate static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec) + 1
    }

    /// Starts the thread that aborts the job when a collective outlives ``timeoutSeconds``.
    private func startWatchdog() {
        guard timeoutSeconds > 0 else { return }
        _ = WorkerThread.start(name: "dtmpi-watchdog") { [self] in
            let limit = UInt64(timeoutSeconds * 1e9)
            while true {
                sleep(1)
                let start = collectiveStart.load(ordering: .acquiring)
                guard start != 0, Self.now() > start + limit else { continue }
                let operation = collectiveName.withLock { $0 }
                abort(
                    "rank \(rank) of \(size): \(DistributedError.timedOut(operation: operation, seconds: timeoutSeconds)); "
                        + "ending the job (DEEPTRUST_COLLECTIVE_TIMEOUT sets the limit)",
                    exitCode: 1)
            }
        }
    }

    private static func finalizeAtExit() {
        guard let mpi = shared.withLock({ $0 }) else { return }
        var done: Int32 = 0
        _ = mpi.finalizedFunction(&done)
        guard done == 0 else { return }
        mpi.collectiveName.withLock { $0 = "MPI_Finalize" }
        mpi.collectiveStart.store(now(), ordering: .releasing)
        _ = mpi.finalizeFunction()
    }
}
