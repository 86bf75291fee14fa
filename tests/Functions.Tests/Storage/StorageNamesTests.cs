using Microsoft.Extensions.Options;
using MLOps.Functions.Configuration;
using MLOps.Functions.Storage;

namespace MLOps.Functions.Tests.Storage;

public sealed class StorageNamesTests
{
    private static readonly StorageNames Names = new(Options.Create(new StorageOptions { Prefix = "t1" }));

    [Fact]
    public void SharedLists_HoldOnlyWhatTheFunctionsUseUnderBothHosts()
    {
        // Under Azure the Functions host keeps timer locks and blob receipts in storage of its own; the shared start-up
        // must not create the local host's stand-ins there.
        Assert.DoesNotContain(Names.LocksContainer, Names.Containers);
        Assert.DoesNotContain(Names.BlobReceiptsTable, Names.Tables);
        Assert.Equal([Names.LocksContainer], Names.LocalHostContainers);
        Assert.Equal([Names.BlobReceiptsTable], Names.LocalHostTables);
    }

    [Fact]
    public void EveryName_CarriesThePrefixAndIsUnique()
    {
        var all = Names.Containers.Concat(Names.LocalHostContainers).Concat(Names.Tables).Concat(Names.LocalHostTables).ToList();

        Assert.All(all, name => Assert.StartsWith("t1", name, StringComparison.Ordinal));
        Assert.Equal(all.Count, all.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(Names.RegistryTable, Names.Tables);
        Assert.Contains(Names.PredictionsContainer, Names.Containers);
    }
}
