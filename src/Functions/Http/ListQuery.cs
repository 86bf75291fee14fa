using System.Globalization;
using Microsoft.AspNetCore.Http;
using MLOps.Domain.Problems;

namespace MLOps.Functions.Http;

/// <summary>Query parameters shared by the list endpoints.</summary>
internal static class ListQuery
{
    /// <summary>Largest <c>?max=</c> any list endpoint takes.</summary>
    public const int MaxItems = 1000;

    /// <summary>The <c>?max=</c> parameter: <paramref name="defaultMax"/> when absent, else a whole number from 1 to <see cref="MaxItems"/>.</summary>
    public static int Max(HttpRequest request, int defaultMax)
    {
        if (!request.Query.TryGetValue("max", out var value))
        {
            return defaultMax;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var max) || max is < 1 or > MaxItems)
        {
            throw MLOpsException.Validation($"'max' must be a whole number from 1 to {MaxItems}.", [new("max", null, "Out of range.")]);
        }

        return max;
    }
}
