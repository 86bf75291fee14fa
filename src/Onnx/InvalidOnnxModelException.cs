namespace MLOps.Onnx;

/// <summary>The bytes are not a usable ONNX model; the message says why in words a user can act on.</summary>
public sealed class InvalidOnnxModelException : Exception
{
    public InvalidOnnxModelException()
    {
    }

    public InvalidOnnxModelException(string message)
        : base(message)
    {
    }

    public InvalidOnnxModelException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
