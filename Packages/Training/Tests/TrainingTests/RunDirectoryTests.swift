import Foundation
import Testing
import Training

/// A log directory belongs to one run: a second run refuses a directory with an earlier run's
/// files unless it continues it from its latest checkpoint or is told to delete it; two runs
/// cannot hold one directory at once; a killed write's temporary files are removed; a refused
/// start leaves nothing behind.
@Suite struct RunDirectoryTests {
    private func touch(_ path: String) throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
    }

    private func names(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func aNewRunRefusesADirectoryHoldingAnEarlierRun() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            for name in ["checkpoint_000.safetensors", "events.out.tfevents.1.host", "samples_000.png"] {
                let run = directory + "/" + name.prefix(6)
                try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: false)
                try touch(run + "/" + name)
                let error = try #require(throws: RunDirectoryError.self) { _ = try RunDirectory(path: run, mode: .newRun) }
                #expect(error == .holdsEarlierRun(directory: run, files: [name]))
                #expect(error.isUsageError && error.description.contains("--resume \(run)"), "\(error)")
                #expect(try names(run) == [name], "the refused run left files behind")
            }
            // Files of no run (notes, other tools' output) are no earlier run.
            let notes = directory + "/notes"
            try FileManager.default.createDirectory(atPath: notes, withIntermediateDirectories: false)
            try touch(notes + "/README.txt")
            #expect(throws: Never.self) { _ = try RunDirectory(path: notes, mode: .newRun) }
        }
    }

    @Test func overwriteDeletesOnlyTheEarlierRunsFiles() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            for name in ["checkpoint_000.safetensors", "checkpoint_001.safetensors", "events.out.tfevents.1.host", "notes.txt"] {
                try touch(directory + "/" + name)
            }
            let run = try RunDirectory(path: directory, mode: .overwrite)
            try touch(directory + "/events.out.tfevents.2.host")
            try run.removeEarlierRun(keeping: [directory + "/events.out.tfevents.2.host"])
            #expect(try names(directory) == [RunDirectory.lockFileName, "events.out.tfevents.2.host", "notes.txt"])
        }
    }

    @Test func resumingContinuesOnlyFromTheLatestCheckpointOfTheDirectory() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            for epoch in 0..<3 { try touch(CheckpointFiles.path(in: directory, epoch: epoch)) }
            try touch(directory + "/events.out.tfevents.1.host")
            #expect(throws: Never.self) {
                _ = try RunDirectory(path: directory, mode: .resume(checkpoint: CheckpointFiles.path(in: directory, epoch: 2)))
            }
            let error = try #require(throws: RunDirectoryError.self) {
                _ = try RunDirectory(path: directory, mode: .resume(checkpoint: CheckpointFiles.path(in: directory, epoch: 0)))
            }
            #expect(
                error
                    == .laterCheckpoints(
                        directory: directory, resumed: "checkpoint_000.safetensors",
                        later: ["checkpoint_001.safetensors", "checkpoint_002.safetensors"]))
            // A checkpoint from elsewhere starts a new run here: the directory must hold none.
            let elsewhere = directory + "/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
            try touch(elsewhere + "/checkpoint_000.safetensors")
            #expect(throws: RunDirectoryError.self) {
                _ = try RunDirectory(path: directory, mode: .resume(checkpoint: elsewhere + "/checkpoint_000.safetensors"))
            }
        }
    }

    @Test func aSecondRunIsToldWhichProcessHoldsTheDirectory() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let first = try RunDirectory(path: directory, mode: .newRun)
            #expect(throws: RunDirectoryError.inUse(directory: directory, processID: getpid())) {
                _ = try RunDirectory(path: directory, mode: .newRun)
            }
            #expect(
                RunDirectoryError.inUse(directory: directory, processID: 42).description.contains(
                    "in use by another run (process 42)"))
            first.release()
            #expect(throws: Never.self) { _ = try RunDirectory(path: directory, mode: .newRun) }
        }
    }

    @Test func temporaryFilesOfAKilledWriteAreRemoved() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let leftovers = [
                ".checkpoint_001.safetensors.tmp-123-456", "samples_000.png.tmp-Ab12Cd", ".reconstructions_001.png.tmp-9-9",
            ]
            for name in leftovers { try touch(directory + "/" + name) }
            try touch(directory + "/keep.tmp")
            let run = try RunDirectory(path: directory, mode: .newRun)
            #expect(run.removedTemporaryFiles.sorted() == leftovers.sorted())
            #expect(try names(directory) == [RunDirectory.lockFileName, "keep.tmp"])
        }
    }

    @Test func anAbandonedStartLeavesNothingBehind() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let fresh = directory + "/a/b"
            let run = try RunDirectory(path: fresh, mode: .newRun)
            try touch(fresh + "/events.out.tfevents.1.host")
            run.abandon(created: [fresh + "/events.out.tfevents.1.host"])
            #expect(try names(directory) == [])

            try touch(directory + "/mine.txt")
            let existing = try RunDirectory(path: directory, mode: .newRun)
            existing.abandon(created: [])
            #expect(try names(directory) == ["mine.txt"])
        }
    }

    @Test func aPathThatIsNoDirectoryIsNamed() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            try touch(directory + "/file")
            #expect(throws: RunDirectoryError.cannotCreate(path: directory + "/file", reason: "exists and is not a directory")) {
                _ = try RunDirectory(path: directory + "/file/run", mode: .newRun)
            }
            #expect(try names(directory) == ["file"])
            // A loop of symbolic links is named as such, not as a file in the way.
            try FileManager.default.createSymbolicLink(atPath: directory + "/loop1", withDestinationPath: "loop2")
            try FileManager.default.createSymbolicLink(atPath: directory + "/loop2", withDestinationPath: "loop1")
            #expect(
                throws: RunDirectoryError.cannotCreate(path: directory + "/loop1", reason: "Too many levels of symbolic links")
            ) {
                _ = try RunDirectory(path: directory + "/loop1/run", mode: .newRun)
            }
        }
    }
}
