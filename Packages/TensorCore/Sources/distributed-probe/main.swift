// distributed-probe: exercises the collectives of `ProcessGroup.world()` under a real launcher
// (`mpirun -np N distributed-probe <mode>`), for the DistributedTests of this package.
//   collectives  every collective once; rank 0 prints "ok <size>" when all results are right
//   die          rank 1 kills itself while the others wait in a barrier (the job must end, not hang)
//   abort        rank 1 ends the job with ProcessGroup.abort and a message
import DeepTrustSystem
import Distributed
import TensorCore

let mode = CommandLine.arguments.dropFirst().first ?? "collectives"
do {
    let group = try ProcessGroup.world()
    switch mode {
    case "collectives":
        var values: [Float] = [Float(group.rank + 1), 0.5]
        try group.allReduce(&values, .sum, bucketElements: 1)
        let n = Float(group.size)
        guard values == [n * (n + 1) / 2, 0.5 * n] else { group.abort("allReduce gave \(values)") }
        let averaged = try group.allReduce([Tensor([Float(group.rank)])], .average)[0].scalars
        guard averaged == [(n - 1) / 2] else { group.abort("average gave \(averaged)") }
        // A large tensor is reduced from its own memory into the result's (MPI's separate send buffer).
        let large = ProcessGroup.directElements + 1
        let input = Tensor(shape: [large], scalars: (0..<large).map { Float($0 % 3) * Float(group.rank + 1) })
        let reduced = try group.allReduce([Tensor([1]), input], .sum, bucketElements: 1 << 20)[1].scalars
        let expected = (0..<large).map { Float($0 % 3) * n * (n + 1) / 2 }
        guard reduced == expected, input.scalars[1] == Float(group.rank + 1) else {
            group.abort("allReduce of a large tensor gave \(reduced.prefix(4)) …, input \(input.scalars.prefix(4))")
        }
        var text = Array("rank \(group.rank)".utf8)
        try group.broadcast(&text, root: group.size - 1)
        guard String(decoding: text, as: UTF8.self) == "rank \(group.size - 1)" else { group.abort("broadcast gave \(text)") }
        let gathered = try group.allGather(Array(repeating: group.rank, count: group.rank + 1))
        guard gathered == (0..<group.size).map({ Array(repeating: $0, count: $0 + 1) }) else {
            group.abort("allGather gave \(gathered)")
        }
        try group.barrier()
        if group.isMain { print("ok \(group.size) \(group.communicator.engineName)") }
    case "die":
        if group.rank == 1 { kill(getpid(), SIGKILL) }
        try group.barrier()
        try group.barrier()
        print("rank \(group.rank) passed the barrier")
    case "abort":
        if group.rank == 1 { group.abort("deliberate abort from the probe") }
        try group.barrier()
    default:
        print("unknown mode \(mode)")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
