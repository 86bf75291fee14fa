using MLOps.Domain.Features;
using MLOps.Domain.Registry;

namespace MLOps.Training.Export;

/// <summary>An ONNX file made from a trained model, with what registering it needs: the feature schema, task and class labels.</summary>
/// <param name="Onnx">The serialised ModelProto: raw feature inputs in, label/probabilities or value out.</param>
/// <param name="Features">One [N,1] input per recipe feature; imputed float and double features are nullable.</param>
/// <param name="Task">The model's task (also in the file's metadata as "task").</param>
/// <param name="ClassLabels">Class names in probability order (also in the metadata as "class_labels"); empty for regression.</param>
public sealed record ExportedModel(byte[] Onnx, FeatureSchema Features, ModelTask Task, IReadOnlyList<string> ClassLabels);
