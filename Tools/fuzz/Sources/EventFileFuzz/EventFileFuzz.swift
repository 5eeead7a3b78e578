import FuzzSupport
import Training

/// The event file the input is written to; its name contains "tfevents", so the directory reader
/// finds it too.
private let scratch = ScratchFile(name: "events.out.tfevents.0.fuzz")

/// One input: read it as an event file and as a run directory. Properties: no crash; the two
/// readers agree on whether the file is valid, and the run holds exactly the file's scalars.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    scratch.write(fuzzBytes(data, size))
    let events: [TensorBoardEvent]?
    do { events = try EventFileReader.events(inFile: scratch.path) } catch { events = nil }
    let run: TensorBoardRun?
    do { run = try EventFileReader.run(scratch.directory) } catch { run = nil }

    fuzzRequire((events == nil) == (run == nil), "events(inFile:) and run(_:) disagree on whether the file is valid")
    guard let events, let run else { return 0 }
    var scalarCount = 0
    for event in events {
        guard case .summary(let values) = event.content else { continue }
        scalarCount += values.filter { if case .scalar = $0.kind { return true } else { return false } }.count
    }
    fuzzRequire(run.scalars.values.map(\.count).reduce(0, +) == scalarCount, "run(_:) lost or invented scalars")
    return 0
}
