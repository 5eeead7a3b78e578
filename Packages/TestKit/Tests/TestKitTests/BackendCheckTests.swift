import Testing
import TestKit

@Suite("Backend checks")
struct BackendCheckTests {
    @Test("the simulated device agrees with the CPU in every family", arguments: BackendCheck.allCases)
    func simulatedDevicePasses(_ check: BackendCheck) {
        expectPasses(check, on: BackendSubject(backend: SimulatedDevice.backend))
    }

    @Test("every conformance case belongs to exactly one check")
    func familiesPartitionTheCases() {
        for name in BackendConformanceCheck.caseNames {
            let owners = BackendCheck.allCases.filter { $0.owns(name) }
            #expect(owners.count == 1, "\(name) belongs to \(owners)")
        }
    }

    @Test("a wrong exp fails the elementwise check, naming the case and the error against its tolerance")
    func wrongExp() throws {
        let subject = BackendSubject(backend: FaultyBackend())
        let failure = try #require(expectFailure(of: BackendCheck.elementwise, on: subject))
        #expect(failure.message.contains("unary exp"))
        #expect(failure.location.device == .cuda(0))
        let deviation = try #require(failure.deviation)
        #expect(deviation.observed > deviation.limit)
        #expect(failure.others.isEmpty, "only exp is wrong: \(failure.others)")
        expectPasses(BackendCheck.matrixProducts, on: subject)
    }

    @Test("an Adam kernel that drops the weight decay fails the optimizer check")
    func adamWithoutDecay() throws {
        let failure = try #require(expectFailure(of: BackendCheck.optimizerSteps, on: BackendSubject(backend: FaultyBackend())))
        #expect(failure.message.contains("adam step"))
    }
}
