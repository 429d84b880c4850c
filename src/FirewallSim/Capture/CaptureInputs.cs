namespace FirewallSim.Capture;

/// <summary>Turns command-line capture arguments (files, directories, "-") into an ordered list of inputs.</summary>
public static class CaptureInputs
{
    public const string StandardInput = "-";

    /// <summary>
    /// Files stay in argument order; a directory contributes its regular, non-hidden files sorted by
    /// name (ordinal, so the order is the same on every machine). "-" is standard input, at most once.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> arguments, out IReadOnlyList<string> errors)
    {
        var result = new List<string>();
        var problems = new List<string>();
        bool stdin = false;
        foreach (string arg in arguments)
        {
            if (arg == StandardInput)
            {
                if (stdin)
                {
                    problems.Add("standard input ('-') can be given only once");
                }

                stdin = true;
                result.Add(arg);
            }
            else if (Directory.Exists(arg))
            {
                var files = Directory.GetFiles(arg)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
                if (files.Count == 0)
                {
                    problems.Add($"{arg}: directory holds no capture files");
                }

                result.AddRange(files);
            }
            else if (File.Exists(arg))
            {
                result.Add(arg);
            }
            else
            {
                problems.Add($"{arg}: no such file or directory");
            }
        }

        errors = problems;
        return result;
    }
}
