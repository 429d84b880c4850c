using System.Text;
using System.Text.Json;
using FirewallSim.Config;

namespace FirewallSim.Reports.Suggest;

/// <summary>One change to one group in one direction: the rules to authorize or to revoke.</summary>
public sealed record GroupChange(string GroupId, bool Egress, bool Authorize, IReadOnlyList<SecurityGroupRule> Rules)
{
    public string Command => (Authorize ? "authorize" : "revoke") + "-security-group-" + (Egress ? "egress" : "ingress");
}

/// <summary>
/// The AWS CLI commands that turn the current groups into the suggested ones: every authorize first, then
/// every revoke, so traffic the suggestion keeps never loses its rule in between. One command per group,
/// direction and operation, with all its rules in one <c>--ip-permissions</c> JSON list. Rules that stay
/// (same protocol, ports and peer) are not touched.
/// </summary>
public static class AwsCliScript
{
    public static IReadOnlyList<GroupChange> Changes(IEnumerable<SuggestedGroup> groups)
    {
        var authorize = new List<GroupChange>();
        var revoke = new List<GroupChange>();
        foreach (var g in groups)
        {
            foreach (bool egress in new[] { false, true })
            {
                var now = g.Current.Rules(egress);
                var then = g.Suggested.Rules(egress);
                var nowShapes = now.Select(RuleShape.Of).ToHashSet();
                var thenShapes = then.Select(RuleShape.Of).ToHashSet();
                var add = then.Where(r => !nowShapes.Contains(RuleShape.Of(r))).ToList();
                var remove = now.Where(r => !thenShapes.Contains(RuleShape.Of(r))).DistinctBy(RuleShape.Of).ToList();
                if (add.Count > 0)
                {
                    authorize.Add(new GroupChange(g.Current.Id, egress, true, add));
                }

                if (remove.Count > 0)
                {
                    revoke.Add(new GroupChange(g.Current.Id, egress, false, remove));
                }
            }
        }

        return authorize.Concat(revoke).ToList();
    }

    public static void Write(TextWriter w, Suggestion s)
    {
        var changes = Changes(s.Groups);
        w.WriteLine("#!/bin/sh");
        w.WriteLine("# Least-privilege security-group changes suggested by fwsim from observed traffic.");
        w.WriteLine($"# Captures: {string.Join(" ", s.Inputs.Select(Path.GetFileName))}; configuration: {string.Join(" ", s.ConfigArguments)}");
        w.WriteLine("# Every authorize comes before every revoke, so traffic the suggestion keeps is never without a rule.");
        w.WriteLine("# Review before running: rules no observed traffic used are revoked. Uses the CLI's default region and profile.");
        w.WriteLine("set -eu");
        if (changes.Count == 0)
        {
            w.WriteLine("# Nothing to change: every rule is needed as it is.");
            return;
        }

        var names = s.Groups.ToDictionary(g => g.Current.Id, g => g.Current.Name, StringComparer.Ordinal);
        foreach (var c in changes)
        {
            w.WriteLine();
            w.WriteLine($"# {c.GroupId}{(names.TryGetValue(c.GroupId, out string? n) && n is not null ? " (" + n + ")" : "")}: {c.Rules.Count} {(c.Egress ? "outbound" : "inbound")} rule(s) to {(c.Authorize ? "authorize" : "revoke")}");
            foreach (var r in c.Rules)
            {
                w.WriteLine($"#   {RuleShape.Of(r)}");
            }

            w.WriteLine($"aws ec2 {c.Command} --group-id {c.GroupId} --ip-permissions '{Permissions(c.Rules, includeDescriptions: c.Authorize)}'");
        }
    }

    public static string ToText(Suggestion s)
    {
        using var sw = new StringWriter { NewLine = "\n" };
        Write(sw, s);
        return sw.ToString();
    }

    /// <summary>Compact IpPermission JSON for --ip-permissions; descriptions only come from the AWS character set, so never hold a quote.</summary>
    public static string Permissions(IEnumerable<SecurityGroupRule> rules, bool includeDescriptions)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            SecurityGroupJson.WritePermissions(j, rules, includeDescriptions, emptyLists: false);
        }

        return Encoding.UTF8.GetString(ms.ToArray()).Replace("'", "'\\''", StringComparison.Ordinal);
    }
}
