namespace MLOps.Domain.Security;

/// <summary>The caller behind a request: the key's name (never the key) and its role.</summary>
public sealed record Principal(string Name, Role Role)
{
    /// <summary>Whether this caller's role grants <paramref name="required"/>.</summary>
    public bool Has(Role required) => Role switch
    {
        Role.Admin => true,
        Role.Operator => required is Role.Reader or Role.Operator,
        Role.Approver => required is Role.Reader or Role.Approver,
        _ => required == Role.Reader,
    };
}
