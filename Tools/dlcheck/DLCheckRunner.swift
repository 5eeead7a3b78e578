import CUDABackend
import TensorCore
import TestKit
import VAEModels
import VAEModelsChecks

/// Runs the suites the options select and collects one report per check.
struct DLCheckRunner {
    var options: DLCheckOptions

    /// - Throws: ``DeviceError`` when the chosen device cannot be used.
    func run() throws -> [CheckReport] {
        if options.device.kind == .cuda { CUDABackend.register() }
        _ = try BackendRegistry.shared.backend(for: options.device)
        var reports: [CheckReport] = []
        for suite in options.suites {
            switch suite {
            case .models:
                for subject in VAESubjects.standard(device: options.device) {
                    reports += CheckSuite<ModelCheck>(subject: subject).run()
                }
            case .losses:
                reports += CheckSuite<KLDivergenceCheck>(subject: VAESubjects.klDivergence).run()
            case .datasets:
                reports += DatasetSuites.run(dataDirectory: options.dataDirectory)
            case .trainer:
                reports += TrainerSuites.run(device: options.device)
            }
        }
        return reports
    }
}
