using MLOps.Domain.Security;

namespace MLOps.Domain.Tests.Security;

public sealed class PrincipalTests
{
    [Theory]
    [InlineData(Role.Reader, Role.Reader, true)]
    [InlineData(Role.Reader, Role.Operator, false)]
    [InlineData(Role.Operator, Role.Reader, true)]
    [InlineData(Role.Operator, Role.Operator, true)]
    [InlineData(Role.Operator, Role.Approver, false)]
    [InlineData(Role.Operator, Role.Admin, false)]
    [InlineData(Role.Approver, Role.Approver, true)]
    [InlineData(Role.Approver, Role.Operator, false)]
    [InlineData(Role.Admin, Role.Admin, true)]
    [InlineData(Role.Admin, Role.Operator, true)]
    public void Has_RoleHierarchy(Role held, Role required, bool expected) =>
        Assert.Equal(expected, new Principal("k", held).Has(required));
}
