using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLOps.Functions.Scoring;

/// <summary>Builds ONNX string tensors from .NET strings with one native call and no per-string handles.</summary>
/// <remarks>
/// ONNX Runtime's managed <see cref="OrtValue.CreateFromStringTensor"/> encodes every string into its own byte array
/// and pins each with a GCHandle before the native fill; for a 1000-row categorical column that costs about as much as
/// running a small model. Here all strings are encoded, NUL-terminated, into one pooled buffer, pinned once, and handed
/// to the C API's <c>FillStringTensor</c> (which copies each into the tensor's std::string).
/// The managed package does not expose that function or <see cref="OrtValue"/>'s native handle publicly, so both are
/// looked up once by reflection on the pinned 1.31 package. If a later package renames them, <see cref="IsFast"/> is
/// false and every call takes the managed path: slower, never wrong. A test pins <see cref="IsFast"/> to true so an
/// upgrade that loses it is noticed.
/// </remarks>
internal static unsafe class StringTensors
{
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, UIntPtr, IntPtr> Fill;
    private static readonly delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseStatus;
    private static readonly Func<OrtValue, IntPtr>? Handle;

#pragma warning disable CA1810 // The lookups depend on each other and must all succeed or all be skipped.
    static StringTensors()
#pragma warning restore CA1810
    {
        try
        {
            var native = typeof(OrtValue).Assembly.GetType("Microsoft.ML.OnnxRuntime.NativeMethods");
            const BindingFlags Static = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
            var fill = native?.GetField("OrtFillStringTensor", Static)?.GetValue(null) as Delegate;
            var release = native?.GetField("OrtReleaseStatus", Static)?.GetValue(null) as Delegate;
            var handle = typeof(OrtValue).GetProperty("Handle", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetMethod;
            if (fill is null || release is null || handle is null || handle.ReturnType != typeof(IntPtr)
                || fill.Method.GetParameters() is not [{ ParameterType: var p0 }, { ParameterType: var p1 }, { ParameterType: var p2 }]
                || p0 != typeof(IntPtr) || p1 != typeof(IntPtr[]) || p2 != typeof(UIntPtr) || fill.Method.ReturnType != typeof(IntPtr))
            {
                return;
            }

            Fill = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, UIntPtr, IntPtr>)Marshal.GetFunctionPointerForDelegate(fill);
            ReleaseStatus = (delegate* unmanaged[Cdecl]<IntPtr, void>)Marshal.GetFunctionPointerForDelegate(release);
            Handle = handle.CreateDelegate<Func<OrtValue, IntPtr>>();
        }
        catch (Exception ex) when (ex is MemberAccessException or ArgumentException or InvalidOperationException)
        {
            Handle = null;
        }
    }

    /// <summary>Whether the one-call native fill is in use (see remarks).</summary>
    public static bool IsFast => Handle is not null;

    /// <summary>A string tensor of <paramref name="shape"/> holding <paramref name="values"/> in order (null as "").</summary>
    /// <param name="values">The strings.</param>
    /// <param name="shape">The tensor's shape; its element count is <c>values.Length</c>.</param>
    /// <param name="known">Pre-encoded strings (a feature's categories) to point at instead of encoding them again.</param>
    public static OrtValue Create(string?[] values, long[] shape, KnownStrings? known = null)
    {
        if (Handle is null)
        {
            return CreateManaged(values, shape);
        }

        // One lookup per value: a known category's address goes straight into the pointer list, and only the other
        // values are counted here and encoded below (their slot stays zero until then; no pinned address is zero).
        var pointers = ArrayPool<IntPtr>.Shared.Rent(Math.Max(values.Length, 1));
        var bytes = 0L;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } k && known is not null && known.TryGet(k, out var address))
            {
                pointers[i] = address;
            }
            else
            {
                pointers[i] = IntPtr.Zero;
                bytes += (values[i] is { } s ? Encoding.UTF8.GetByteCount(s) : 0) + 1;
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, checked((int)bytes)));
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        try
        {
            fixed (byte* b = buffer)
            fixed (IntPtr* p = pointers)
            {
                var offset = 0;
                for (var i = 0; i < values.Length; i++)
                {
                    if (p[i] != IntPtr.Zero)
                    {
                        continue;
                    }

                    p[i] = (IntPtr)(b + offset);
                    if (values[i] is { Length: > 0 } s)
                    {
                        offset += Encoding.UTF8.GetBytes(s, new Span<byte>(b + offset, buffer.Length - offset));
                    }

                    b[offset++] = 0;
                }

                var status = Fill(Handle(value), p, (UIntPtr)values.Length);
                known?.KeepAlive();
                if (status != IntPtr.Zero)
                {
                    // Only a tensor shorter than the values fails, which the shape rules out; fall back rather than guess.
                    ReleaseStatus(status);
                    value.Dispose();
                    return CreateManaged(values, shape);
                }
            }

            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<IntPtr>.Shared.Return(pointers);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static OrtValue CreateManaged(string?[] values, long[] shape)
    {
        var dims = new int[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            dims[i] = checked((int)shape[i]);
        }

        var copy = Array.ConvertAll(values, s => s ?? string.Empty);
        return OrtValue.CreateFromStringTensor(new DenseTensor<string>(copy, dims));
    }
}
