using System.Globalization;
using System.Text;
using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>The value of a template expression after resolving what can be resolved without deploying it.</summary>
internal abstract class CfnValue
{
}

internal sealed class CfnString : CfnValue
{
    public CfnString(string value, ConfigNode at)
    {
        Value = value;
        At = at;
    }

    public string Value { get; }

    public ConfigNode At { get; }
}

internal sealed class CfnList : CfnValue
{
    public CfnList(List<CfnValue> items, ConfigNode at)
    {
        Items = items;
        At = at;
    }

    public List<CfnValue> Items { get; }

    public ConfigNode At { get; }
}

/// <summary>A literal object (PortRange, Icmp…): its properties are resolved when read.</summary>
internal sealed class CfnMap : CfnValue
{
    public CfnMap(MapNode node) => Node = node;

    public MapNode Node { get; }
}

/// <summary>AWS::NoValue: the property is treated as absent.</summary>
internal sealed class CfnNoValue : CfnValue
{
    public static readonly CfnNoValue Instance = new();
}

/// <summary>A value the template does not fix (parameter without Default, pseudo parameter, attribute known only after deployment…).</summary>
internal sealed class CfnUnresolved : CfnValue
{
    public CfnUnresolved(string reason, ConfigNode at)
    {
        Reason = reason;
        At = at;
    }

    public string Reason { get; }

    public ConfigNode At { get; }
}

/// <summary>
/// Resolves CloudFormation intrinsic functions within one template (spec 6.6): a Ref or Fn::GetAtt to a
/// resource becomes that resource's logical id (the placeholder id other resources use for it), a Ref
/// to a parameter its Default, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap, Fn::If (with
/// the Conditions section), Fn::Base64 and Fn::Cidr are computed. Whatever cannot be known without
/// deploying the stack comes back as <see cref="CfnUnresolved"/> with the reason and place; nothing is guessed.
/// </summary>
internal sealed class CfnResolver
{
    private readonly MapNode _parameters;
    private readonly MapNode _mappings;
    private readonly MapNode _conditions;
    private readonly MapNode _resources;
    private readonly Func<string, string?> _pseudo;
    private readonly Dictionary<string, (bool? Value, string Reason, ConfigNode At)> _conditionCache = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);
    private int _depth;

    public CfnResolver(MapNode template, Func<string, string?> pseudo, DiagnosticBag diag)
    {
        var empty = new MapNode(template.File, "$", template.Line, template.Column);
        _parameters = template.Obj("Parameters", diag) ?? empty;
        _mappings = template.Obj("Mappings", diag) ?? empty;
        _conditions = template.Obj("Conditions", diag) ?? empty;
        _resources = template.Obj("Resources", diag) ?? empty;
        _pseudo = pseudo;
    }

    public static bool IsIntrinsic(MapNode m) =>
        m.Entries.Count == 1 && (m.Entries[0].Key is "Ref" or "Condition" || m.Entries[0].Key.StartsWith("Fn::", StringComparison.Ordinal));

    public MapNode? Resource(string logicalId) => _resources.Entries.FirstOrDefault(e => e.Key == logicalId).Value as MapNode;

    public string? ResourceType(string logicalId) => Resource(logicalId)?.GetValue("Type") is ScalarNode s ? s.Value : null;

    public CfnValue Eval(ConfigNode node)
    {
        if (++_depth > 64)
        {
            _depth--;
            return new CfnUnresolved("expressions nest too deeply (a cycle?)", node);
        }

        try
        {
            return EvalCore(node);
        }
        finally
        {
            _depth--;
        }
    }

    private CfnValue EvalCore(ConfigNode node)
    {
        switch (node)
        {
            case ScalarNode { IsNull: true }:
                return CfnNoValue.Instance;
            case ScalarNode s:
                return new CfnString(s.Value, s);
            case SeqNode seq:
            {
                var items = new List<CfnValue>(seq.Items.Count);
                foreach (var item in seq.Items)
                {
                    var v = Eval(item);
                    if (v is not CfnNoValue)
                    {
                        items.Add(v);
                    }
                }

                return new CfnList(items, seq);
            }

            case MapNode m when IsIntrinsic(m):
                return Intrinsic(m.Entries[0].Key, m.Entries[0].Value, m);
            default:
                return new CfnMap((MapNode)node);
        }
    }

    /// <summary>The first unresolved value inside <paramref name="v"/> (lists), or null.</summary>
    public static CfnUnresolved? FirstUnresolved(CfnValue v) => v switch
    {
        CfnUnresolved u => u,
        CfnList l => l.Items.Select(FirstUnresolved).FirstOrDefault(x => x is not null),
        _ => null,
    };

    private CfnValue Intrinsic(string fn, ConfigNode arg, MapNode at)
    {
        switch (fn)
        {
            case "Ref":
                return Ref(arg);
            case "Fn::GetAtt":
                return GetAtt(arg, at);
            case "Fn::Sub":
                return Sub(arg, at);
            case "Fn::Join":
            {
                if (Args(arg, 2, fn, at, out var args) is { } bad)
                {
                    return bad;
                }

                if (Eval(args[0]) is not CfnString delim)
                {
                    return new CfnUnresolved("Fn::Join needs a delimiter string", args[0]);
                }

                var list = Eval(args[1]);
                if (FirstUnresolved(list) is { } u)
                {
                    return u;
                }

                if (list is not CfnList l || l.Items.Any(i => i is not CfnString))
                {
                    return new CfnUnresolved("Fn::Join needs a list of strings", args[1]);
                }

                return new CfnString(string.Join(delim.Value, l.Items.Cast<CfnString>().Select(s => s.Value)), at);
            }

            case "Fn::Select":
            {
                if (Args(arg, 2, fn, at, out var args) is { } bad)
                {
                    return bad;
                }

                var index = Eval(args[0]);
                if (index is CfnUnresolved ui)
                {
                    return ui;
                }

                var list = Eval(args[1]);
                if (list is CfnUnresolved ul)
                {
                    return ul;
                }

                if (index is not CfnString { } idx || !NodeValues.TryInt(idx.Value, out int i))
                {
                    return new CfnUnresolved("Fn::Select needs an integer index", args[0]);
                }

                if (list is not CfnList l)
                {
                    return new CfnUnresolved("Fn::Select needs a list", args[1]);
                }

                return i >= 0 && i < l.Items.Count
                    ? l.Items[i]
                    : new CfnUnresolved(string.Create(CultureInfo.InvariantCulture, $"Fn::Select index {i} is outside the list of {l.Items.Count}"), args[0]);
            }

            case "Fn::Split":
            {
                if (Args(arg, 2, fn, at, out var args) is { } bad)
                {
                    return bad;
                }

                var delim = Eval(args[0]);
                var source = Eval(args[1]);
                if ((FirstUnresolved(delim) ?? FirstUnresolved(source)) is { } u)
                {
                    return u;
                }

                if (delim is not CfnString d || source is not CfnString s || d.Value.Length == 0)
                {
                    return new CfnUnresolved("Fn::Split needs a delimiter and a string", at);
                }

                return new CfnList(s.Value.Split(d.Value).Select(x => (CfnValue)new CfnString(x, args[1])).ToList(), at);
            }

            case "Fn::FindInMap":
                return FindInMap(arg, at);
            case "Fn::If":
            {
                if (Args(arg, 3, fn, at, out var args) is { } bad)
                {
                    return bad;
                }

                if (args[0] is not ScalarNode name)
                {
                    return new CfnUnresolved("Fn::If needs a condition name", args[0]);
                }

                var (value, reason, where) = Condition(name.Value, name);
                return value switch
                {
                    true => Eval(args[1]),
                    false => Eval(args[2]),
                    _ => new CfnUnresolved($"Fn::If on condition {name.Value}, which cannot be evaluated: {reason}", where),
                };
            }

            case "Fn::Equals":
            case "Fn::Not":
            case "Fn::And":
            case "Fn::Or":
            case "Condition":
            {
                var (value, reason, where) = EvalCondition(at);
                return value is { } b ? new CfnString(b ? "true" : "false", at) : new CfnUnresolved(reason, where);
            }

            case "Fn::Base64":
            {
                var v = Eval(arg);
                return v is CfnString s ? new CfnString(Convert.ToBase64String(Encoding.UTF8.GetBytes(s.Value)), at) : FirstUnresolved(v) ?? new CfnUnresolved("Fn::Base64 needs a string", arg);
            }

            case "Fn::Cidr":
                return Cidr(arg, at);
            case "Fn::ImportValue":
                return new CfnUnresolved("Fn::ImportValue reads another stack's export, which is not in this template", at);
            case "Fn::GetAZs":
                return new CfnUnresolved("Fn::GetAZs lists the region's availability zones, known only when the stack is deployed", at);
            default:
                return new CfnUnresolved($"{fn} is not supported", at);
        }
    }

    private static CfnUnresolved? Args(ConfigNode arg, int count, string fn, ConfigNode at, out List<ConfigNode> args)
    {
        args = arg is SeqNode seq ? seq.Items : new List<ConfigNode>();
        return args.Count < count
            ? new CfnUnresolved(string.Create(CultureInfo.InvariantCulture, $"{fn} needs a list of {count} arguments"), at)
            : null;
    }

    private CfnValue Ref(ConfigNode arg)
    {
        if (arg is not ScalarNode { IsNull: false } s)
        {
            return new CfnUnresolved("Ref needs a name", arg);
        }

        string name = s.Value;
        if (name == "AWS::NoValue")
        {
            return CfnNoValue.Instance;
        }

        if (name.StartsWith("AWS::", StringComparison.Ordinal))
        {
            return _pseudo(name) is { } value
                ? new CfnString(value, s)
                : new CfnUnresolved($"pseudo parameter {name} is known only when the stack is deployed", s);
        }

        if (_parameters.GetValue(name) is MapNode p)
        {
            return Parameter(name, p, s);
        }

        if (Resource(name) is not null)
        {
            return new CfnString(name, s);
        }

        return new CfnUnresolved($"Ref names {name}, which is neither a parameter nor a resource of the template", s);
    }

    private CfnValue Parameter(string name, MapNode p, ConfigNode at)
    {
        var def = p.Get("Default");
        if (def is null)
        {
            return new CfnUnresolved($"parameter {name} has no Default", at);
        }

        string type = p.GetValue("Type") is ScalarNode t ? t.Value : "String";
        bool list = type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList";
        if (def is ScalarNode ds)
        {
            return list
                ? new CfnList(ds.Value.Split(',').Select(x => (CfnValue)new CfnString(x.Trim(), ds)).ToList(), ds)
                : new CfnString(ds.Value, ds);
        }

        return Eval(def);
    }

    private CfnValue GetAtt(ConfigNode arg, ConfigNode at)
    {
        string? resource = null, attribute = null;
        if (arg is SeqNode seq && seq.Items.Count >= 2 && seq.Items[0] is ScalarNode r)
        {
            resource = r.Value;
            attribute = Eval(seq.Items[1]) is CfnString a ? a.Value : null;
        }
        else if (arg is ScalarNode dotted && dotted.Value.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot)
        {
            resource = dotted.Value[..dot];
            attribute = dotted.Value[(dot + 1)..];
        }

        if (resource is null || attribute is null)
        {
            return new CfnUnresolved("Fn::GetAtt needs [resource, attribute]", at);
        }

        if (_parameters.GetValue(resource) is MapNode p)
        {
            return Parameter(resource, p, at);
        }

        var res = Resource(resource);
        if (res is null)
        {
            return new CfnUnresolved($"Fn::GetAtt names {resource}, which is not a resource of the template", at);
        }

        string type = ResourceType(resource) ?? string.Empty;
        var props = res.GetValue("Properties") as MapNode;
        switch (type, attribute)
        {
            case ("AWS::EC2::SecurityGroup", "GroupId"):
            case (_, "Id"):
                return new CfnString(resource, at);
            case ("AWS::EC2::SecurityGroup", "VpcId"):
            case ("AWS::EC2::Subnet", "VpcId"):
                return props?.GetValue("VpcId") is { } vpc ? Eval(vpc) : new CfnUnresolved($"{resource} has no VpcId", at);
            case ("AWS::EC2::VPC", "CidrBlock"):
            case ("AWS::EC2::Subnet", "CidrBlock"):
                return props?.GetValue("CidrBlock") is { } cidr ? Eval(cidr) : new CfnUnresolved($"{resource} has no CidrBlock", at);
            case ("AWS::EC2::PrefixList", "PrefixListId"):
                return new CfnString(resource, at);
            default:
                return new CfnUnresolved($"Fn::GetAtt {resource}.{attribute} is known only when the stack is deployed", at);
        }
    }

    private CfnValue Sub(ConfigNode arg, ConfigNode at)
    {
        ConfigNode? templateNode = arg;
        MapNode? vars = null;
        if (arg is SeqNode seq)
        {
            templateNode = seq.Items.Count > 0 ? seq.Items[0] : null;
            vars = seq.Items.Count > 1 ? seq.Items[1] as MapNode : null;
        }

        if (templateNode is not ScalarNode t)
        {
            return new CfnUnresolved("Fn::Sub needs a string", at);
        }

        var sb = new StringBuilder();
        string text = t.Value;
        int i = 0;
        while (i < text.Length)
        {
            int start = text.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                sb.Append(text, i, text.Length - i);
                break;
            }

            sb.Append(text, i, start - i);
            int end = text.IndexOf('}', start + 2);
            if (end < 0)
            {
                sb.Append(text, start, text.Length - start);
                break;
            }

            string name = text[(start + 2)..end].Trim();
            i = end + 1;
            if (name.StartsWith('!'))
            {
                sb.Append("${").Append(name[1..]).Append('}');
                continue;
            }

            CfnValue v;
            if (vars?.GetValue(name) is { } varNode)
            {
                v = Eval(varNode);
            }
            else if (name.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && !name.StartsWith("AWS::", StringComparison.Ordinal))
            {
                var args = new SeqNode(t.File, t.Path, t.Line, t.Column);
                args.Items.Add(new ScalarNode(t.File, t.Path, t.Line, t.Column, name[..dot], ScalarKind.String));
                args.Items.Add(new ScalarNode(t.File, t.Path, t.Line, t.Column, name[(dot + 1)..], ScalarKind.String));
                v = GetAtt(args, t);
            }
            else
            {
                v = Ref(new ScalarNode(t.File, t.Path, t.Line, t.Column, name, ScalarKind.String));
            }

            switch (v)
            {
                case CfnString s:
                    sb.Append(s.Value);
                    break;
                case CfnUnresolved u:
                    return new CfnUnresolved($"Fn::Sub ${{{name}}}: {u.Reason}", t);
                default:
                    return new CfnUnresolved($"Fn::Sub ${{{name}}} is not a string", t);
            }
        }

        return new CfnString(sb.ToString(), at);
    }

    private CfnValue FindInMap(ConfigNode arg, ConfigNode at)
    {
        if (Args(arg, 3, "Fn::FindInMap", at, out var args) is { } bad)
        {
            return bad;
        }

        var keys = new string[3];
        for (int k = 0; k < 3; k++)
        {
            var v = Eval(args[k]);
            if (v is CfnUnresolved u)
            {
                return new CfnUnresolved($"Fn::FindInMap key: {u.Reason}", u.At);
            }

            if (v is not CfnString s)
            {
                return new CfnUnresolved("Fn::FindInMap keys must be strings", args[k]);
            }

            keys[k] = s.Value;
        }

        if (_mappings.GetValue(keys[0]) is MapNode map && map.GetValue(keys[1]) is MapNode second && second.GetValue(keys[2]) is { } value)
        {
            return Eval(value);
        }

        if (args.Count > 3 && args[3] is MapNode options && options.GetValue("DefaultValue") is { } def)
        {
            return Eval(def);
        }

        return new CfnUnresolved($"Fn::FindInMap: the Mappings have no {keys[0]}/{keys[1]}/{keys[2]}", at);
    }

    private CfnValue Cidr(ConfigNode arg, ConfigNode at)
    {
        if (Args(arg, 3, "Fn::Cidr", at, out var args) is { } bad)
        {
            return bad;
        }

        var block = Eval(args[0]);
        var count = Eval(args[1]);
        var bits = Eval(args[2]);
        if ((FirstUnresolved(block) ?? FirstUnresolved(count) ?? FirstUnresolved(bits)) is { } u)
        {
            return u;
        }

        if (block is not CfnString b || !IpPrefix.TryParse(b.Value, out var prefix, out _) ||
            count is not CfnString c || !NodeValues.TryInt(c.Value, out int n) ||
            bits is not CfnString h || !NodeValues.TryInt(h.Value, out int hostBits))
        {
            return new CfnUnresolved("Fn::Cidr needs [ipBlock, count, cidrBits]", at);
        }

        int max = prefix.IsV4 ? 32 : 128;
        int length = max - hostBits;
        if (hostBits <= 0 || length < prefix.Length || n < 1 || n > 256 || (length - prefix.Length < 31 && n > (1L << (length - prefix.Length))))
        {
            return new CfnUnresolved("Fn::Cidr asks for more subnets than the block holds", at);
        }

        var items = new List<CfnValue>(n);
        var baseValue = prefix.Network.ToUInt128();
        var step = UInt128.One << hostBits;
        for (int k = 0; k < n; k++)
        {
            var addr = IpAddr.FromUInt128(baseValue + (step * (UInt128)k));
            items.Add(new CfnString(new IpPrefix(addr, length).ToString(), at));
        }

        return new CfnList(items, at);
    }

    /// <summary>Evaluates a named condition of the Conditions section (cached; cycles are unresolvable).</summary>
    public (bool? Value, string Reason, ConfigNode At) Condition(string name, ConfigNode at)
    {
        if (_conditionCache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        if (_conditions.GetValue(name) is not { } node)
        {
            return (null, $"the template defines no condition {name}", at);
        }

        if (!_evaluating.Add(name))
        {
            return (null, $"condition {name} refers to itself", at);
        }

        var result = EvalCondition(node);
        _evaluating.Remove(name);
        _conditionCache[name] = result;
        return result;
    }

    private (bool? Value, string Reason, ConfigNode At) EvalCondition(ConfigNode node)
    {
        if (node is ScalarNode s && bool.TryParse(s.Value, out bool literal))
        {
            return (literal, string.Empty, node);
        }

        if (node is not MapNode m || !IsIntrinsic(m))
        {
            return (null, "not a condition expression", node);
        }

        string fn = m.Entries[0].Key;
        var arg = m.Entries[0].Value;
        var items = arg is SeqNode seq ? seq.Items : new List<ConfigNode> { arg };
        switch (fn)
        {
            case "Condition":
                return arg is ScalarNode name ? Condition(name.Value, arg) : (null, "Condition needs a name", arg);
            case "Fn::Equals":
            {
                if (items.Count != 2)
                {
                    return (null, "Fn::Equals needs two values", node);
                }

                var a = Eval(items[0]);
                var b = Eval(items[1]);
                if ((FirstUnresolved(a) ?? FirstUnresolved(b)) is { } u)
                {
                    return (null, u.Reason, u.At);
                }

                return a is CfnString x && b is CfnString y ? (x.Value == y.Value, string.Empty, node) : (null, "Fn::Equals compares strings", node);
            }

            case "Fn::Not":
            {
                var (v, r, at) = items.Count == 1 ? EvalCondition(items[0]) : (null, "Fn::Not needs one condition", node);
                return (v is { } b ? !b : null, r, at);
            }

            case "Fn::And":
            case "Fn::Or":
            {
                bool and = fn == "Fn::And";
                (bool? Value, string Reason, ConfigNode At) unknown = (null, string.Empty, node);
                bool anyUnknown = false;
                foreach (var item in items)
                {
                    var r = EvalCondition(item);
                    if (r.Value is null)
                    {
                        unknown = anyUnknown ? unknown : r;
                        anyUnknown = true;
                    }
                    else if (r.Value.Value != and)
                    {
                        return (!and, string.Empty, node);
                    }
                }

                return anyUnknown ? unknown : (and, string.Empty, node);
            }

            default:
                var value = Eval(node);
                return value is CfnString cs && bool.TryParse(cs.Value, out bool bv)
                    ? (bv, string.Empty, node)
                    : (null, FirstUnresolved(value)?.Reason ?? $"{fn} is not a condition", node);
        }
    }
}
