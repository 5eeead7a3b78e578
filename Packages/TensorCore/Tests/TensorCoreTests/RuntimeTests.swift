import CTensorKernels
import Testing
@testable import TensorCore

/// Records which indices a parallel loop visited, and how often (under a lock: chunks run concurrently).
private final class VisitCounter: Sendable {
    let counts: PosixLocked<[Int]>
    init(_ n: Int) { counts = PosixLocked(Array(repeating: 0, count: n)) }
    func visit(_ range: Range<Int>) { counts.withLock { for i in range { $0[i] += 1 } } }
    var all: [Int] { counts.withLock { $0 } }
}

private let countVisits: dt_range_fn = { ctx, begin, end in
    Unmanaged<VisitCounter>.fromOpaque(ctx!).takeUnretainedValue().visit(Int(begin)..<Int(end))
}

private func parallelVisits(_ n: Int, grain: Int? = nil) -> [Int] {
    let counter = VisitCounter(n)
    let ctx = Unmanaged.passUnretained(counter).toOpaque()
    if let grain {
        dt_parallel_for_grain(n, grain, countVisits, ctx)
    } else {
        dt_parallel_for(n, countVisits, ctx)
    }
    return counter.all
}

/// Team members record their (index, count); member 0 is the calling thread.
private final class TeamLog: Sendable {
    let seen = PosixLocked<[(index: Int, count: Int)]>([])
}

@Suite struct RuntimeTests {
    @Test(arguments: [0, 1, 2, 7, 33, 1000])
    func parallelForVisitsEveryIndexOnce(n: Int) {
        for threads in [1, 2, 3] {
            let visits = CPUBackend.withKernelSettings(threads: threads) { parallelVisits(n) }
            #expect(visits == Array(repeating: 1, count: n), "n = \(n), threads = \(threads)")
            let grained = CPUBackend.withKernelSettings(threads: threads) { parallelVisits(n, grain: 5) }
            #expect(grained == Array(repeating: 1, count: n), "n = \(n), threads = \(threads), grain 5")
        }
    }

    @Test func teamSizeFollowsThreadSettingAndGrain() {
        let members: dt_team_fn = { ctx, index, count in
            Unmanaged<TeamLog>.fromOpaque(ctx!).takeUnretainedValue().seen.withLock {
                $0.append((Int(index), Int(count)))
            }
        }
        for (threads, maxThreads, expected) in [(1, 4, 1), (2, 4, 2), (3, 2, 2), (3, 8, 3)] {
            let log = TeamLog()
            CPUBackend.withKernelSettings(threads: threads) {
                dt_parallel_team(Int32(maxThreads), members, Unmanaged.passUnretained(log).toOpaque())
            }
            let seen = log.seen.withLock { $0 }
            // The pool may be busy with another test's team: then the call runs inline (count 1).
            let count = seen.first?.count ?? 0
            #expect(count == expected || count == 1, "threads \(threads), max \(maxThreads)")
            #expect(seen.map(\.index).sorted() == Array(0..<count))
            #expect(seen.allSatisfy { $0.count == count })
        }
    }

    @Test(arguments: [1, 2, 3, 9, 100])
    func partsEachRunOnceWhateverTheThreadCount(parts: Int) {
        let members: dt_team_fn = { ctx, index, count in
            Unmanaged<TeamLog>.fromOpaque(ctx!).takeUnretainedValue().seen.withLock {
                $0.append((Int(index), Int(count)))
            }
        }
        for threads in [1, 2, 4] {
            let log = TeamLog()
            CPUBackend.withKernelSettings(threads: threads) {
                dt_parallel_parts(Int32(parts), members, Unmanaged.passUnretained(log).toOpaque())
            }
            let seen = log.seen.withLock { $0 }
            #expect(seen.map(\.index).sorted() == Array(0..<parts), "parts \(parts), threads \(threads)")
            #expect(seen.allSatisfy { $0.count == parts })
        }
    }

    @Test func nestedParallelForRunsInline() {
        // An inner loop started from inside a chunk must still visit everything exactly once.
        final class Nested: Sendable {
            let inner = VisitCounter(64 * 4)
        }
        let nested = Nested()
        let outer: dt_range_fn = { ctx, begin, end in
            let state = Unmanaged<Nested>.fromOpaque(ctx!).takeUnretainedValue()
            for block in Int(begin)..<Int(end) {
                final class Slice: Sendable {
                    let state: Nested, block: Int
                    init(_ state: Nested, _ block: Int) { self.state = state; self.block = block }
                }
                let slice = Slice(state, block)
                let innerBody: dt_range_fn = { ctx, b, e in
                    let s = Unmanaged<Slice>.fromOpaque(ctx!).takeUnretainedValue()
                    s.state.inner.visit((s.block * 64 + Int(b))..<(s.block * 64 + Int(e)))
                }
                withExtendedLifetime(slice) {
                    dt_parallel_for(64, innerBody, Unmanaged.passUnretained(slice).toOpaque())
                }
            }
        }
        CPUBackend.withKernelSettings(threads: 2) {
            dt_parallel_for(4, outer, Unmanaged.passUnretained(nested).toOpaque())
        }
        #expect(nested.inner.all == Array(repeating: 1, count: 256))
    }

    @Test func concurrentCallersAllComplete() async {
        // Several Swift tasks use the pool at once: contended calls must run inline, never be lost.
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    (0..<50).allSatisfy { _ in parallelVisits(333) == Array(repeating: 1, count: 333) }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 6))
    }

    @Test func instructionSetSelection() {
        let detected = CPUBackend.detectedInstructionSet
        #expect(detected.isSupported)
        #expect(CPUInstructionSet.portable.isSupported)
        #expect(CPUBackend.supportedInstructionSets.contains(detected))
        for isa in CPUInstructionSet.allCases {
            let active = CPUBackend.withKernelSettings(instructionSet: isa) { CPUBackend.activeInstructionSet }
            if isa.isSupported {
                #expect(active == isa)
            } else {
                #expect(active.isSupported)
                #expect(active != isa)
            }
        }
        #if arch(x86_64)
        #expect(CPUBackend.withKernelSettings(instructionSet: .neon) { CPUBackend.activeInstructionSet } == .portable)
        #endif
        // Nested settings restore the outer ones.
        CPUBackend.withKernelSettings(instructionSet: .portable, threads: 1) {
            CPUBackend.withKernelSettings(threads: 3) {
                #expect(CPUBackend.activeInstructionSet == .portable)
                #expect(CPUBackend.threadCount == 3)
            }
            #expect(CPUBackend.threadCount == 1)
        }
    }

    @Test func threadCountIsClamped() {
        CPUBackend.withKernelSettings(threads: 0) { #expect(CPUBackend.threadCount == 1) }
        CPUBackend.withKernelSettings(threads: 100_000) { #expect(CPUBackend.threadCount == 256) }
        #expect(CPUBackend.threadCount >= 1)
    }

    @Test func workersKeepSubnormals() {
        // Every chunk, on the caller or on a worker, runs with IEEE subnormals (no flush to zero),
        // as PyTorch does: half the smallest normal float is a subnormal, not 0.
        final class Products: Sendable {
            let values = PosixLocked<[Float]>([])
        }
        let products = Products()
        let multiply: dt_range_fn = { ctx, begin, end in
            let p = Unmanaged<Products>.fromOpaque(ctx!).takeUnretainedValue()
            var tiny = Float.leastNormalMagnitude
            withUnsafeMutablePointer(to: &tiny) { _ in }
            let halves = (Int(begin)..<Int(end)).map { _ in tiny * 0.5 }
            p.values.withLock { $0.append(contentsOf: halves) }
        }
        CPUBackend.withKernelSettings(threads: 2) {
            dt_parallel_for(2, multiply, Unmanaged.passUnretained(products).toOpaque())
        }
        #expect(products.values.withLock { $0 } == [Float.leastNormalMagnitude / 2, Float.leastNormalMagnitude / 2])
        var tiny = Float.leastNormalMagnitude
        withUnsafeMutablePointer(to: &tiny) { _ in }
        #expect(tiny * 0.5 > 0, "the caller's floating-point mode must be restored")
    }
}
