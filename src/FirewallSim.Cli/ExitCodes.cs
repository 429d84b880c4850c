namespace FirewallSim.Cli;

/// <summary>Process exit codes, documented in README.md.</summary>
public static class ExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected failure at run time (I/O error, bug).</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Bad input or usage: unknown option, unreadable or invalid file, invalid configuration. Nothing was written.</summary>
    public const int BadInput = 2;

    /// <summary>A capture broke off or became corrupt part-way; everything before that point was processed.</summary>
    public const int PartialRead = 3;

    /// <summary>The command worked and found what it was asked to gate on (lint findings at or above --fail-on, diff: something would break).</summary>
    public const int Findings = 4;
}
