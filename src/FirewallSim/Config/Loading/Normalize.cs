using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>Which address family a CIDR field admits.</summary>
internal enum Family : byte
{
    Any,
    V4,
    V6,
}

/// <summary>
/// The normalisation rules every reader shares (AWS semantics 1.3, 1.4, 4.2, 6.7): CIDRs are
/// canonicalised, protocols accepted as names, numbers or "all", port wildcards made explicit.
/// </summary>
internal static class Normalize
{
    /// <summary>Parses a CIDR, clearing host bits as AWS does (with a note); a malformed one is an error.</summary>
    public static bool TryCidr(string? text, Family family, string field, SourceLocation? at, DiagnosticBag diag, out IpPrefix prefix)
    {
        prefix = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            diag.Error(ConfigDiagnosticCodes.InvalidCidr, $"{field} is empty", at);
            return false;
        }

        if (!IpPrefix.TryParse(text, out prefix, out string? error))
        {
            diag.Error(ConfigDiagnosticCodes.InvalidCidr, $"{field}: {error}", at);
            return false;
        }

        if (family == Family.V4 && !prefix.IsV4)
        {
            diag.Error(ConfigDiagnosticCodes.InvalidCidr, $"{field} '{text}' must be an IPv4 CIDR block", at);
            return false;
        }

        if (family == Family.V6 && prefix.IsV4)
        {
            diag.Error(ConfigDiagnosticCodes.InvalidCidr, $"{field} '{text}' must be an IPv6 CIDR block", at);
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            diag.Note(ConfigDiagnosticCodes.CidrCanonicalised, $"{field} '{text}' has no prefix length; read as {prefix}", at);
        }
        else if (IpAddr.TryParse(text.AsSpan(0, slash), out var written) && !written.Equals(prefix.Network))
        {
            diag.Note(ConfigDiagnosticCodes.CidrCanonicalised, $"{field} '{text}' has host bits set; canonicalised to {prefix}, as AWS stores it", at);
        }

        return true;
    }

    public static bool TryAddress(string? text, Family family, string field, SourceLocation? at, DiagnosticBag diag, out IpAddr address)
    {
        address = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || !IpAddr.TryParse(text, out address))
        {
            diag.Error(ConfigDiagnosticCodes.InvalidAddress, $"{field} '{text}' is not an IP address", at);
            return false;
        }

        if ((family == Family.V4 && !address.IsV4) || (family == Family.V6 && address.IsV4))
        {
            diag.Error(ConfigDiagnosticCodes.InvalidAddress, $"{field} '{text}' must be an {(family == Family.V4 ? "IPv4" : "IPv6")} address", at);
            return false;
        }

        return true;
    }

    public static bool TryMac(string? text, SourceLocation? at, DiagnosticBag diag, out MacAddr mac)
    {
        mac = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!MacAddr.TryParse(text, out mac))
        {
            diag.Error(ConfigDiagnosticCodes.InvalidMac, $"MAC address '{text}' is not of the form 0a:1b:2c:3d:4e:5f", at);
            return false;
        }

        return true;
    }

    public static bool TryProtocol(string? text, string field, SourceLocation? at, DiagnosticBag diag, out int protocol)
    {
        if (RuleProtocol.TryParse(text, out protocol))
        {
            return true;
        }

        diag.Error(ConfigDiagnosticCodes.InvalidProtocol,
            $"{field} '{text}' is not a protocol (a name such as tcp, udp, icmp, icmpv6, a number 0–255, or -1/all)", at);
        return false;
    }

    /// <summary>
    /// Turns a security-group rule's FromPort/ToPort into the model's form. All-protocol and other-protocol
    /// rules ignore ports (-1/-1). TCP/UDP: absent or -1 on both ends = every port (0–65535); -1 on one end
    /// is read as an open end, with a warning. ICMP: type/code with -1 = all; a code without a type is
    /// invalid (AWS requires code -1 when the type is -1) and the rule is dropped with a warning.
    /// Out-of-range and inverted ranges are left for the validator.
    /// </summary>
    public static bool SgPorts(int protocol, int? from, int? to, SourceLocation? at, DiagnosticBag diag, out int fromPort, out int toPort)
    {
        fromPort = -1;
        toPort = -1;
        if (IpProtocol.HasPorts(protocol))
        {
            int f = from ?? -1, t = to ?? -1;
            if (f == -1 && t == -1)
            {
                fromPort = 0;
                toPort = 65535;
                return true;
            }

            if (f == -1 || t == -1)
            {
                fromPort = f == -1 ? 0 : f;
                toPort = t == -1 ? 65535 : t;
                diag.Warning(ConfigDiagnosticCodes.PortWildcard,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{RuleProtocol.Name(protocol)} rule has FromPort {from?.ToString(CultureInfo.InvariantCulture) ?? "(none)"} and ToPort {to?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}; -1 read as an open end: ports {fromPort}-{toPort}"),
                    at);
                return true;
            }

            fromPort = f;
            toPort = t;
            return true;
        }

        if (IpProtocol.IsIcmpFamily(protocol))
        {
            int type = from ?? -1, code = to ?? -1;
            if (type == -1 && code != -1)
            {
                diag.Warning(ConfigDiagnosticCodes.IcmpCodeWithoutType,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{RuleProtocol.Name(protocol)} rule has ICMP code {code} but type -1 (all types); AWS requires code -1 then. The rule is dropped: it matches nothing"),
                    at);
                return false;
            }

            fromPort = type;
            toPort = code;
            return true;
        }

        // -1 and every other protocol: ports do not apply (AWS semantics 1.3).
        return true;
    }

    /// <summary>Region of an availability zone: us-west-2a → us-west-2, us-east-1-bos-1a → us-east-1.</summary>
    public static string? RegionOfZone(string? zone)
    {
        if (string.IsNullOrEmpty(zone))
        {
            return null;
        }

        var parts = zone.Split('-');
        for (int i = 1; i < parts.Length; i++)
        {
            // The region ends at the first part that starts with a digit (the region number): "2a" → "2".
            if (parts[i].Length > 0 && char.IsAsciiDigit(parts[i][0]))
            {
                int n = 0;
                while (n < parts[i].Length && char.IsAsciiDigit(parts[i][n]))
                {
                    n++;
                }

                return string.Join('-', parts[..i]) + "-" + parts[i][..n];
            }
        }

        return null;
    }

    /// <summary>Region from an ARN: arn:aws:ec2:us-west-2:123456789012:… → us-west-2.</summary>
    public static string? RegionOfArn(string? arn)
    {
        if (string.IsNullOrEmpty(arn) || !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = arn.Split(':');
        return parts.Length > 3 && parts[3].Length > 0 ? parts[3] : null;
    }
}
