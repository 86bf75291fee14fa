namespace MLOps.Domain.Registry;

public enum ModelVersionStatus
{
    Active,
    Archived,
}
