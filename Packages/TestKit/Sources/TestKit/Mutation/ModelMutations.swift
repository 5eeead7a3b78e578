import NN
import Optim
import Synchronization
import TensorCore

/// The catalogue's model operators and the optimisation operators that wrap a model's optimiser:
/// each wraps the model instances a ``ModelSubject`` makes.
enum ModelMutations {
    static let taxonomy = DatasetMutations.taxonomy

    static let operators: [MutationOperator] = [
        MutationOperator(
            name: "model.parameterNotOptimized",
            fault: "a parameter left out of the optimiser (its list built before a layer was added)",
            citation: "\(taxonomy): training process / optimiser"
        ) { subject in
            subject.mutatingInstances { instance in
                guard let (name, parameter) = instance.module.namedParameters().last else { return instance }
                return instance.wrappingOptimizer { optimizer, _ in
                    FaultyOptimizer(
                        optimizer, names: { $0.filter { $0 != name } },
                        step: { base throws(OptimizerError) in
                            let kept = parameter.value
                            try base.step()
                            parameter.value = kept
                        })
                }
            }
        },
        MutationOperator(
            name: "model.parameterFrozen",
            fault: "a parameter frozen by mistake (requires_grad off, or its gradient detached)",
            citation: "\(taxonomy): model / layers (frozen weights)"
        ) { subject in
            subject.mutatingInstances { instance in
                guard let (_, parameter) = instance.module.namedParameters().first else { return instance }
                return instance.wrappingOptimizer { optimizer, _ in
                    FaultyOptimizer(
                        optimizer,
                        step: { base throws(OptimizerError) in
                            parameter.grad = nil
                            try base.step()
                        })
                }
            }
        },
        MutationOperator(
            name: "model.layerSkipped",
            fault: "a layer built but skipped in the forward pass (its parameters never trained)",
            citation: "\(taxonomy): model / layers (missing layer)"
        ) { subject in
            subject.mutatingInstances { instance in
                var copy = instance
                let device = instance.module.namedParameters().first?.parameter.device ?? .cpu
                copy.module = ModelWithUnusedLayer(
                    model: instance.module, unused: Parameter(Tensor.full([4, 4], value: 0.5, device: device)))
                return copy
            }
        },
        MutationOperator(
            name: "model.finalActivationRemoved",
            fault: "the final activation removed (Tanh missing: outputs unbounded)",
            citation: "DeepCrime ARM (remove activation function)"
        ) { subject in
            guard let range = subject.outputRange, range.lowerBound == -1, range.upperBound == 1 else { return nil }
            return subject.mutatingInstances { instance in
                instance.mappingOutput { output, _ in 0.5 * ((output + 1) / (output * -1 + 1)).log() }
            }
        },
        MutationOperator(
            name: "model.finalActivationReplaced",
            fault: "the final activation replaced (Sigmoid for Tanh: outputs in the upper half of the range only)",
            citation: "DeepCrime ACH (change activation function)"
        ) { subject in
            guard let range = subject.outputRange, range.lowerBound < 0, range.upperBound > 0 else { return nil }
            let middle = (range.lowerBound + range.upperBound) / 2
            let width = range.upperBound - range.lowerBound
            return subject.mutatingInstances { instance in
                instance.mappingOutput { output, _ in
                    (output - range.lowerBound) * ((range.upperBound - middle) / width) + middle
                }
            }
        },
        MutationOperator(
            name: "model.samplesRolled",
            fault: "samples mixed across the batch (a reshape or transpose that moves data between samples)",
            citation: "\(taxonomy): model / tensors and inputs (wrong tensor shape)"
        ) { subject in
            guard subject.batchSize > 1 else { return nil }
            return subject.mutatingInstances { instance in
                instance.mappingOutput { output, _ in
                    guard let size = output.shape.first, size > 1 else { return output }
                    return Tensor.concatenated(
                        [output.sliced(axis: 0, start: 1), output.sliced(axis: 0, start: 0, end: 1)], axis: 0)
                }
            }
        },
        MutationOperator(
            name: "model.batchStatisticInForward",
            fault: "a statistic over the batch in the forward pass (normalising with the batch mean at evaluation)",
            citation: "\(taxonomy): model / layers (wrong use of batch normalisation)"
        ) { subject in
            guard subject.batchSize > 1 else { return nil }
            return subject.mutatingInstances { instance in
                instance.mappingOutput { output, _ in output - output.mean(axes: [0], keepingDimensions: true) * 0.5 }
            }
        },
        MutationOperator(
            name: "model.unseededRandomness",
            fault: "randomness not derived from the seed (a generator seeded from the clock or a global counter)",
            citation: "\(taxonomy): training process (non-determinism)"
        ) { subject in
            subject.mutatingInstances { instance in
                instance.mappingOutput { output, module in
                    guard module.isTraining else { return output }
                    let seed = UInt64(unseededDraws.wrappingAdd(1, ordering: .relaxed).oldValue)
                    let noise = Tensor.randn(output.shape, generator: RandomGenerator(seed: seed)) * 0.01
                    return output + (try noise.to(output.device))
                }
            }
        },
        MutationOperator(
            name: "model.tensorOnWrongDevice",
            fault: "a tensor created on the CPU inside the forward pass (the model on another device fails)",
            citation: "\(taxonomy): GPU usage (wrong reference to a device)"
        ) { subject in
            subject.mutatingInstances { instance in
                instance.mappingOutput { output, _ in output + Tensor.zeros(output.shape) }
            }
        },
        MutationOperator(
            name: "model.trainEvalSwapped",
            fault: "train and eval behaviour swapped (dropout or sampling on in evaluation, off in training)",
            citation: "\(taxonomy): training process (model mode)"
        ) { subject in
            subject.mutatingInstances { instance in
                var copy = instance
                let forward = instance.forward
                let module = instance.module
                copy.forward = { input in
                    let training = module.isTraining
                    module.train(!training)
                    defer { module.train(training) }
                    return try forward(input)
                }
                return copy
            }
        },
        MutationOperator(
            name: "model.initializationUnscaled",
            fault: "a wrong initialisation scale (weights not divided by √fan-in)",
            citation: "DeepCrime WCI (change weights initialisation)"
        ) { subject in
            subject.mutatingInstances { instance in
                for (_, parameter) in instance.module.namedParameters() where parameter.shape.count >= 2 {
                    let fanIn = parameter.count / max(parameter.shape[0], 1)
                    parameter.value = parameter.value * Float(fanIn).squareRoot()
                }
                return instance
            }
        },
        MutationOperator(
            name: "model.outputDetached",
            fault: "the output detached from the graph (a round trip through host values)",
            citation: "\(taxonomy): model / tensors and inputs"
        ) { subject in
            subject.mutatingInstances { instance in instance.mappingOutput { output, _ in output.detached() } }
        },
        MutationOperator(
            name: "optim.gradientsNotZeroed",
            family: .optimization,
            fault: "gradients not zeroed between steps (they accumulate)",
            citation: "\(taxonomy): training process / optimiser"
        ) { subject in
            subject.mutatingInstances { instance in
                instance.wrappingOptimizer { optimizer, _ in FaultyOptimizer(optimizer, zeroGrad: { _ in }) }
            }
        },
        MutationOperator(
            name: "optim.stepBeforeBackward",
            family: .optimization,
            fault: "the optimiser stepping before backward (each step uses the previous step's gradients)",
            citation: "\(taxonomy): training process / optimiser"
        ) { subject in
            subject.mutatingInstances { instance in
                instance.wrappingOptimizer { optimizer, module in
                    let previous = GradientStash()
                    return FaultyOptimizer(
                        optimizer,
                        step: { base throws(OptimizerError) in
                            let parameters = module.namedParameters().map(\.parameter)
                            let current = parameters.map(\.grad)
                            let stale = previous.gradients.withLock { saved in saved }
                            for (index, parameter) in parameters.enumerated() {
                                parameter.grad = index < stale.count ? stale[index] : nil
                            }
                            try base.step()
                            for (parameter, grad) in zip(parameters, current) { parameter.grad = grad }
                            previous.gradients.withLock { $0 = current }
                        })
                }
            }
        },
        MutationOperator(
            name: "optim.learningRateZero",
            family: .optimization,
            fault: "a learning rate of 0 (a schedule decayed to nothing, or the rate read from the wrong setting)",
            citation: "DeepCrime HLR (change learning rate)"
        ) { subject in
            subject.mutatingInstances { instance in
                instance.wrappingOptimizer { optimizer, _ in
                    optimizer.learningRate = 0
                    return optimizer
                }
            }
        },
    ]
}

/// The counter ``ModelMutations``' unseeded randomness draws its seeds from (never reset).
private let unseededDraws = Atomic<Int>(0)

/// The gradients of the previous optimiser step, kept by ``ModelMutations``' step-before-backward fault.
private final class GradientStash: Sendable {
    let gradients = Mutex<[Tensor?]>([])
}
