namespace MLOps.Domain.Security;

/// <summary>What a key may do. Admin may do everything; operator includes reader; approver includes reader.</summary>
public enum Role
{
    Reader = 0,
    Operator = 1,
    Approver = 2,
    Admin = 3,
}
