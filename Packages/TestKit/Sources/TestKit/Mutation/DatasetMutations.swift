import Data
import Synchronization
import TensorCore

/// The catalogue's data operators: each wraps the splits of a ``DatasetSubject``.
enum DatasetMutations {
    static let taxonomy = "Humbatova et al., Taxonomy of Real Faults in Deep Learning Systems (ICSE 2020)"

    static let operators: [MutationOperator] = [
        MutationOperator(
            name: "data.labelsShifted",
            fault: "labels misaligned with their images (images and labels offset or shuffled separately)",
            citation: "DeepCrime TCL (change labels of training data); \(taxonomy): training data quality"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.expectation.classes != nil else { return nil }
                return split.mapping(views: true) { dataset in
                    MappedDataset(base: dataset, count: dataset.count) { base, index, context in
                        var example = try base.example(at: index, context: context)
                        let next = (index + 1) % base.count
                        var shifted = context
                        shifted.index = next
                        example.label = try base.example(at: next, context: shifted).label
                        return example
                    }
                }
            }
        },
        MutationOperator(
            name: "data.labelsOneBased",
            fault: "labels counted from 1 instead of 0 (a class index out of range)",
            citation: "DeepCrime TCL (change labels of training data)"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.expectation.classes != nil else { return nil }
                return split.mapping(views: true) { dataset in
                    dataset.mappingExamples { example, _ in
                        var shifted = example
                        shifted.label = example.label.map { $0 + 1 }
                        return shifted
                    }
                }
            }
        },
        MutationOperator(
            name: "data.evaluationAugmented",
            fault: "augmentation leaking into the evaluation split (the training pipeline reused for test)",
            citation: "\(taxonomy): preprocessing of training data"
        ) { subject in
            subject.mutatingSplits { split in
                guard !split.expectation.augmented else { return nil }
                let range = split.expectation.valueRange
                return split.mapping(views: false) { dataset in
                    dataset.mappingExamples { example, context in
                        var noise = context.random
                        let values = example.input.scalars.map { value in
                            min(max(value + noise.nextUniform(in: -0.05, 0.05), range.lowerBound), range.upperBound)
                        }
                        return Example(input: Tensor(shape: example.input.shape, scalars: values), label: example.label)
                    }
                }
            }
        },
        MutationOperator(
            name: "data.augmentationDisabled",
            fault: "augmentation of the training split switched off (the evaluation pipeline used for training)",
            citation: "\(taxonomy): preprocessing of training data"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.expectation.augmented, let plain = split.unaugmented else { return nil }
                var copy = split
                copy.dataset = plain
                return copy
            }
        },
        MutationOperator(
            name: "data.augmentationRepeatsEachEpoch",
            fault: "augmentation keyed without the epoch: every epoch sees the same augmented images",
            citation: "\(taxonomy): preprocessing of training data"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.expectation.augmented else { return nil }
                return split.mapping(views: false) { dataset in
                    MappedDataset(base: dataset, count: dataset.count) { base, index, context in
                        var first = context
                        first.epoch = 0
                        return try base.example(at: index, context: first)
                    }
                }
            }
        },
        MutationOperator(
            name: "data.sharedRandomState",
            fault: "a data source that is not safe across loader workers: augmentation drawn from one shared generator",
            citation: "Zhang et al., An Empirical Study on TensorFlow Program Bugs (ISSTA 2018): concurrency"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.expectation.augmented else { return nil }
                let shared = Atomic<Int>(0)
                return split.mapping(views: false) { dataset in
                    MappedDataset(base: dataset, count: dataset.count) { base, index, context in
                        var drawn = context
                        drawn.epoch = shared.wrappingAdd(1, ordering: .relaxed).oldValue
                        return try base.example(at: index, context: drawn)
                    }
                }
            }
        },
        MutationOperator(
            name: "data.scaledToUnitInterval",
            fault: "values scaled to [0, 1] where the model expects [-1, 1] (x/255 instead of x/127.5 − 1)",
            citation: "\(taxonomy): preprocessing of training data (wrong normalisation)"
        ) { subject in
            rescaling(subject) { value, range in (value - range.lowerBound) / (range.upperBound - range.lowerBound) }
        },
        MutationOperator(
            name: "data.unscaledPixels",
            fault: "raw pixel values 0…255 fed to the model (the scaling step missing)",
            citation: "\(taxonomy): preprocessing of training data (missing normalisation)"
        ) { subject in
            rescaling(subject) { value, range in 255 * (value - range.lowerBound) / (range.upperBound - range.lowerBound) }
        },
        MutationOperator(
            name: "data.paddingMissing",
            fault: "padding or crop wrong: images 4 pixels smaller than the model's input (28×28 for 32×32)",
            citation: "\(taxonomy): preprocessing of training data (wrong resizing)"
        ) { subject in
            subject.mutatingSplits { split in
                let shape = split.expectation.sampleShape
                guard shape.count == 3, shape[1] > 4, shape[2] > 4 else { return nil }
                return split.mapping(views: true) { dataset in
                    dataset.mappingExamples { example, _ in
                        let input = example.input
                        guard input.shape.count == 3 else { return example }
                        let cropped = input.sliced(axis: 1, start: 2, end: input.shape[1] - 2)
                            .sliced(axis: 2, start: 2, end: input.shape[2] - 2)
                        return Example(input: Tensor(shape: cropped.shape, scalars: cropped.scalars), label: example.label)
                    }
                }
            }
        },
        MutationOperator(
            name: "data.channelsLast",
            fault: "channels-last layout (H, W, C) where channels-first (C, H, W) is expected",
            citation: "\(taxonomy): model / tensors and inputs (wrong input format)"
        ) { subject in
            subject.mutatingSplits { split in
                let shape = split.expectation.sampleShape
                guard shape.count == 3, [shape[1], shape[2], shape[0]] != shape else { return nil }
                return split.mapping(views: true) { dataset in
                    dataset.mappingExamples { example, _ in
                        let s = example.input.shape
                        guard s.count == 3 else { return example }
                        return Example(
                            input: Tensor(shape: [s[1], s[2], s[0]], scalars: example.input.scalars), label: example.label)
                    }
                }
            }
        },
        MutationOperator(
            name: "data.evaluationInTraining",
            fault: "evaluation samples leaking into the training split",
            citation: "\(taxonomy): training data (overlapping splits)"
        ) { subject in leaking(into: 0, from: 1, subject) },
        MutationOperator(
            name: "data.trainingInEvaluation",
            fault: "training samples leaking into the evaluation split",
            citation: "\(taxonomy): training data (overlapping splits)"
        ) { subject in leaking(into: 1, from: 0, subject) },
        MutationOperator(
            name: "data.sampleDuplicated",
            fault: "a sample read twice and its neighbour never (an off-by-one index)",
            citation: "DeepCrime TRD (remove portion of training data)"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.dataset.count > 1 else { return nil }
                return split.mapping(views: true) { dataset in dataset.remappingIndices { $0 == 1 ? 0 : $0 } }
            }
        },
        MutationOperator(
            name: "data.sampleDropped",
            fault: "the last sample dropped (an exclusive bound where an inclusive one was meant)",
            citation: "DeepCrime TRD (remove portion of training data)"
        ) { subject in
            subject.mutatingSplits { split in
                guard split.dataset.count > 1 else { return nil }
                return split.mapping(views: true) { dataset in dataset.remappingIndices(count: dataset.count - 1) { $0 } }
            }
        },
        MutationOperator(
            name: "data.statisticsFromEvaluationSplit",
            fault: "normalisation statistics computed on the evaluation split instead of the training split",
            citation: "\(taxonomy): preprocessing of training data (data leakage)"
        ) { subject in
            normalizingWithOtherStatistics(subject)
        },
    ]

    /// Every split that promises both signs, with each value mapped by `scale` (dataset and unaugmented view).
    private static func rescaling(
        _ subject: DatasetSubject, _ scale: @escaping @Sendable (Float, ClosedRange<Float>) -> Float
    ) -> DatasetSubject? {
        subject.mutatingSplits { split in
            let range = split.expectation.valueRange
            guard split.expectation.requiresBothSigns, range.lowerBound < 0 else { return nil }
            var copy = split
            let transform = { (dataset: any Dataset) in
                dataset.mappingExamples { example, _ in
                    Example(
                        input: Tensor(shape: example.input.shape, scalars: example.input.scalars.map { scale($0, range) }),
                        label: example.label)
                }
            }
            copy.dataset = transform(split.dataset)
            copy.unaugmented = split.unaugmented.map(transform)
            return copy
        }
    }

    /// The first two samples of split `target` replaced by those of split `source` (as the leakage check reads them).
    private static func leaking(into target: Int, from source: Int, _ subject: DatasetSubject) -> DatasetSubject? {
        guard subject.splits.count > max(target, source) else { return nil }
        let donor = subject.splits[source]
        guard let donated = donor.comparableSamples else { return nil }
        var copy = subject
        let leaked = min(2, donated.count, subject.splits[target].dataset.count)
        guard leaked > 0 else { return nil }
        let replace = { (dataset: any Dataset) -> any Dataset in
            MappedDataset(base: dataset, count: dataset.count) { base, index, context in
                guard index < leaked else { return try base.example(at: index, context: context) }
                return try donated.example(at: index, context: context)
            }
        }
        var split = copy.splits[target]
        split.dataset = replace(split.dataset)
        split.unaugmented = split.unaugmented.map(replace)
        copy.splits[target] = split
        return copy
    }

    /// The declared statistics replaced by another split's, and that split's statistics applied.
    private static func normalizingWithOtherStatistics(_ subject: DatasetSubject) -> DatasetSubject? {
        guard let declared = subject.normalization,
            let other = subject.splits.first(where: { $0.name != declared.sourceSplit && $0.unnormalized != nil }),
            let raw = other.unnormalized,
            let stats = try? DatasetCheck.normalizationStatistics.statistics(
                of: raw, split: other.name, channels: declared.mean.count, seed: subject.seed)
        else { return nil }
        var copy = subject
        var wrong = declared
        wrong.mean = stats.mean
        wrong.std = stats.std
        copy.normalization = wrong
        let applied = wrong
        copy.splits = subject.splits.map { split in
            guard let source = split.unnormalized, !split.expectation.augmented else { return split }
            var mutated = split
            mutated.dataset = source.mappingExamples { example, _ in
                Example(
                    input: DatasetCheck.normalizationStatistics.normalize(example.input, with: applied), label: example.label)
            }
            return mutated
        }
        return copy
    }
}
