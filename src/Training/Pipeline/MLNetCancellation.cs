using System.Reflection;
using Microsoft.ML;

namespace MLOps.Training.Pipeline;

/// <summary>Asks an <see cref="MLContext"/> to stop what it is running, as ML.NET's own hosts do.</summary>
/// <remarks>
/// <c>MLContext.CancelExecution</c> is implemented for an internal interface in ML.NET 5.0.1, so it is reached by
/// reflection. Every trainer checks the flag (checked on this machine: FastTree and L-BFGS stop within 0.1 s,
/// LightGBM at its next check). Our own data views also stop at the token, so cancellation works without it.
/// </remarks>
internal static class MLNetCancellation
{
    private static readonly MethodInfo? CancelExecution =
        typeof(MLContext).GetMethod("CancelExecution", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);

    public static bool Available => CancelExecution is not null;

    public static void Cancel(MLContext ml)
    {
        try
        {
            CancelExecution?.Invoke(ml, null);
        }
        catch (TargetInvocationException)
        {
            // Cancelling is best effort; the data views still stop at the token.
        }
    }
}
