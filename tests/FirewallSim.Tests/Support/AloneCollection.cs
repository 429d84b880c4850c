namespace FirewallSim.Tests.Support;

/// <summary>
/// Tests that run the multi-threaded replay pipeline and count its allocations run in this collection, with
/// no other test running: other tests' work would starve the pipeline's threads and change which of its
/// timing-dependent paths (hand-offs waiting, windows emitted on two threads) a run takes.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
