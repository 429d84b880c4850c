namespace FirewallSim.Tests.Support;

/// <summary>Tests that measure the whole process (allocations on every thread) run in this collection, with nothing else running.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
