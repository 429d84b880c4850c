using FirewallSim.Cli;

return await FwsimApp.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
