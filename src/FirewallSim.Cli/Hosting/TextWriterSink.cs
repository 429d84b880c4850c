using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace FirewallSim.Cli.Hosting;

/// <summary>Serilog sink writing formatted events to a <see cref="TextWriter"/> (stderr of an in-process run).</summary>
internal sealed class TextWriterSink : ILogEventSink
{
    private readonly ITextFormatter _formatter;
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    public TextWriterSink(ITextFormatter formatter, TextWriter writer)
    {
        _formatter = formatter;
        _writer = writer;
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _formatter.Format(logEvent, _writer);
            _writer.Flush();
        }
    }
}
