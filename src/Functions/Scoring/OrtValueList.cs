using Microsoft.ML.OnnxRuntime;

namespace MLOps.Functions.Scoring;

/// <summary>Input values for one run, disposed together (ONNX Runtime's own DisposableList is internal).</summary>
internal sealed class OrtValueList(int capacity) : List<OrtValue>(capacity), IDisposable
{
    public void Dispose()
    {
        foreach (var value in this)
        {
            value.Dispose();
        }

        Clear();
    }
}
