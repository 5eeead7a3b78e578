import CUDABackend
import TensorCore
import TestKit
import VAEModels
import VAEModelsChecks

/// Runs the suites the options select and collects one report per check.
struct DLCheckRunner {
    var options: DLCheckOptions

    /// Registers the CUDA backend for a `cuda` device and checks that `device`, chosen with
    /// `--device`, can be used: once, before any check runs, so that everything built on it after
    /// cannot fail because of the device.
    /// - Throws: ``DeviceFlagError`` naming the flag and the device's ``DeviceError``.
    static func prepare(_ device: Device) throws(DeviceFlagError) {
        if device.kind == .cuda { CUDABackend.register() }
        do { try device.checkAvailable() } catch { throw DeviceFlagError(error: error) }
    }

    /// Runs the checks one at a time, handing each report to `finished` as soon as its check ends.
    /// Call ``prepare(_:)`` on the options' device first.
    /// - Throws: ``DeviceError`` when the chosen device cannot be used.
    func run(finished: (CheckReport) -> Void) throws -> [CheckReport] {
        var reports: [CheckReport] = []
        func record(_ new: [CheckReport]) {
            for report in new {
                reports.append(report)
                finished(report)
            }
        }
        for suite in options.suites {
            switch suite {
            case .models:
                for subject in VAESubjects.standard(device: options.device) {
                    Self.runEach(CheckSuite<ModelCheck>(subject: subject), record)
                }
            case .losses:
                Self.runEach(CheckSuite<KLDivergenceCheck>(subject: VAESubjects.klDivergence), record)
            case .datasets:
                DatasetSuites.run(dataDirectory: options.dataDirectory, record: record)
            case .trainer:
                Self.runEach(TrainerSuites.suite(device: options.device), record)
            case .distributed:
                Self.runEach(DistributedSuites.suite(), record)
            case .backend:
                let backend = try BackendRegistry.shared.backend(for: options.device)
                let skipped =
                    backend === CPUBackend.shared ? "the CPU backend is the reference itself; run with --device cuda[:N]" : nil
                Self.runEach(CheckSuite<BackendCheck>(subject: BackendSubject(backend: backend)), record, skipped: skipped)
            }
        }
        return reports
    }

    /// Runs `suite`'s checks one by one, recording each report when its check ends; with a
    /// `skipped` reason, reports each check as skipped instead of running it.
    static func runEach<C: Check>(_ suite: CheckSuite<C>, _ record: ([CheckReport]) -> Void, skipped: String? = nil) {
        for check in suite.checks {
            if let skipped {
                record([CheckReport(check: check.name, subject: suite.subject.name, outcome: .skipped(skipped), duration: .zero)])
            } else {
                record(CheckSuite<C>(subject: suite.subject, checks: [check]).run())
            }
        }
    }
}

/// The device given with `--device` cannot be used (exit status 2).
struct DeviceFlagError: Error, CustomStringConvertible {
    /// Why the device cannot be used.
    let error: DeviceError

    var description: String { "--device: \(error)" }
}
